#!/usr/bin/env bash
# The account-scale benchmark (issue "Account scale"), reproducible:
#
#   bash scripts/bench-scale.sh                 N=2000 families x R=3 revisions in moto, and
#                                               BENCH_LOCAL_N=10000 families in the embedded store
#   BENCH_N=500 BENCH_LOCAL_N=1000 bash scripts/bench-scale.sh      (a quicker run)
#   BENCH_NO_BUILD=1 ...                        reuse the release build in target/
#
# What it does, in one run on this machine:
#  1. starts a moto server of its own (port BENCH_MOTO_PORT, default 5078) and registers N
#     families x R revisions of varied task definitions (scripts/bench_scale_data.py: the corpus
#     renamed and varied, one family in five with plaintext credentials), deregisters some, and
#     creates two clusters with services running some revisions;
#  2. the API floor: a minimal boto3 loop listing every revision and describing each;
#  3. `ecs-lens sync --source aws` cold (empty mirror), then again with nothing new;
#  4. `ecs-lens serve` on that mirror: every page's server time (median of 5 warm requests,
#     time to the last byte on loopback) and HTML size, the exports, the server's RSS, and
#     Chromium's navigation -> interactive (end2end/measure-scale.mjs);
#  5. the first page after a restart with AWS unreachable (the endpoint set to a closed port):
#     served from the mirror, with no AWS call possible;
#  6. the same pages for BENCH_LOCAL_N families imported into the embedded store.
# The report goes to standard output and to target/bench-scale.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
n="${BENCH_N:-2000}"
r="${BENCH_R:-3}"
local_n="${BENCH_LOCAL_N:-10000}"
port="${BENCH_MOTO_PORT:-5078}"
serve_port="${BENCH_SERVE_PORT:-3090}"
bin="$root/target/release/ecs-lens"
python="$root/.venv-moto/bin/python"
work="$(mktemp -d /tmp/ecs-lens-bench-scale.XXXXXX)"
report="$root/target/bench-scale.md"
say() { echo "bench-scale: $*" >&2; }
out() { echo "$*" | tee -a "$report"; }

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  say "building the release binary and site (cargo leptos build --release --split)"
  flock /tmp/ecs-lens-cargo.lock cargo leptos build --release --split >&2
fi
[ -x "$bin" ] || { say "no $bin: build it (cargo leptos build --release --split)"; exit 1; }
[ -d "$root/end2end/node_modules/@playwright/test" ] || (cd end2end && npm ci --no-audit --no-fund >&2)

bash scripts/moto.sh ensure-installed
url="http://127.0.0.1:$port"
if curl -s -o /dev/null --max-time 2 "$url/moto-api/"; then
  say "something already listens on 127.0.0.1:$port; choose another with BENCH_MOTO_PORT"
  exit 1
fi
"$root/.venv-moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 </dev/null &
moto_pid=$!
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 150); do
  curl -s -o /dev/null --max-time 2 "$url/moto-api/" && break
  sleep 0.2
done

export AWS_ENDPOINT_URL="$url" AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent/bench/config AWS_SHARED_CREDENTIALS_FILE=/nonexistent/bench/credentials
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_ECS ECS_LENS_SOURCE ECS_LENS_REGIONS ECS_LENS_DATABASE_URL || true
export LEPTOS_SITE_ROOT="$root/target/site" NO_COLOR=1

: >"$report"
out "# ecs-lens scale benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
out ""
say "registering $n families x $r revisions in moto"
"$python" scripts/bench_scale_data.py moto "$n" "$r"

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

out "## Amazon ECS (moto): $n families x $r revisions"
out ""
read -r floor_count floor_secs < <("$python" scripts/bench_scale_data.py floor)
floor_rate=$(python3 -c "print(f'{$floor_count / $floor_secs:.0f}')")
out "- boto3 floor (list + describe, one at a time): $floor_count revisions in $(secs "$floor_secs") s = $floor_rate revisions/s"

t0=$(now)
"$bin" sync --source aws --data-dir "$work/aws" --no-progress >"$work/sync1.txt"
t1=$(now)
cold=$(elapsed "$t0" "$t1")
cold_rate=$(python3 -c "print(f'{$floor_count / $cold:.0f}')")
out "- cold sync: $cold s = $cold_rate revisions/s ($(python3 -c "print(f'{$cold_rate / $floor_rate:.2f}')")x the floor): $(cat "$work/sync1.txt")"
t0=$(now)
"$bin" sync --source aws --data-dir "$work/aws" --no-progress >"$work/sync2.txt"
t1=$(now)
resync=$(elapsed "$t0" "$t1")
out "- resync with nothing new: $resync s ($(python3 -c "print(f'{100 * $resync / $cold:.1f}')")% of the cold sync): $(cat "$work/sync2.txt")"
out ""

start_serve() { # data dir, extra args...
  local dir="$1"
  shift
  "$bin" serve --data-dir "$dir" --bind "127.0.0.1:$serve_port" --sync-interval 3600 "$@" >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 300); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$serve_port/audit-log" && return 0
    sleep 0.1
  done
  say "serve did not start: $(tail -n 5 "$work/serve.log")"
  exit 1
}
stop_serve() {
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}
wait_synced() { # until the background sync at start has finished
  for _ in $(seq 1 600); do
    grep -q "ecs-lens: sync\|ecs-lens: synced" "$work/serve.log" && return 0
    sleep 0.2
  done
}
measure() { # path: median of 5 warm requests, time to the last byte
  local path="$1" times=() size=0 code
  curl -s -o /dev/null "http://127.0.0.1:$serve_port$path"
  for _ in 1 2 3 4 5; do
    read -r code t size < <(curl -s -o /dev/null -w "%{http_code} %{time_total} %{size_download}\n" "http://127.0.0.1:$serve_port$path")
    times+=("$t")
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf '| `%s` | %s | %.1f ms | %s KB |\n' "$path" "$code" "$(python3 -c "print($med * 1000)")" "$(python3 -c "print(round($size / 1024, 1))")" | tee -a "$report"
}
pages() { # family with revisions
  local fam="$1"
  out "| page | status | server time (median of 5, warm) | HTML |"
  out "|---|---|---|---|"
  for p in "/" "/?page=20" "/?q=orders" "/?sev=critical&sort=findings" "/?use=yes" "/families/$fam" "/families/$fam/1" \
           "/compare/$fam/1/2" "/compare?a=$fam:1&b=$fam:latest" "/families/$fam/history" "/audit" "/audit?rule=SEC001" "/audit?sev=critical&page=5" "/audit-log" \
           "/families/$fam/exposure" "/families/$fam/1/migrate" "/families/$fam/1/verify"; do
    measure "$p"
  done
  out ""
  out "| export | status | time (median of 5) | size |"
  out "|---|---|---|---|"
  for p in /audit/export.json /audit/export.csv /audit/export.sarif; do measure "$p"; done
  out ""
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$serve_pid/status")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
  out "- serve RSS after these: $((rss / 1024)) MB (peak $((hwm / 1024)) MB)"
  node end2end/measure-scale.mjs "http://127.0.0.1:$serve_port" | sed 's/^/- /' | tee -a "$report"
  out ""
}

exposure() { # label, args...: `secrets exposure` of every family, from the mirror
  local label="$1"
  shift
  t0=$(now)
  "$bin" secrets exposure --format json "$@" >"$work/exposure.json"
  t1=$(now)
  out "- \`secrets exposure\` of every family ($label): $(elapsed "$t0" "$t1") s, $("$python" -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['items']), 'credentials in', sum(len(i['revisions']) for i in d['items']), 'revision places')" "$work/exposure.json"), $(( $(stat -c %s "$work/exposure.json") / 1024 )) KB"
}
exposure "Amazon ECS mirror" --source aws --data-dir "$work/aws"
out ""

start_serve "$work/aws" --source aws
wait_synced
out "### Pages on the mirror (serve --source aws)"
out ""
pages "orders-orders-00000"
stop_serve

# A restart with AWS unreachable: the first page comes from the mirror.
AWS_ENDPOINT_URL="http://127.0.0.1:1" start_serve "$work/aws" --source aws
read -r code t size < <(curl -s -o "$work/first.html" -w "%{http_code} %{time_total} %{size_download}\n" "http://127.0.0.1:$serve_port/")
rows=$(grep -o 'data-family="' "$work/first.html" | wc -l)
out "- first page after a restart with AWS unreachable: HTTP $code in $(python3 -c "print(round($t * 1000, 1))") ms, $rows families listed from the mirror"
wait_synced
read -r code _ < <(curl -s -o "$work/stale.html" -w "%{http_code}\n" "http://127.0.0.1:$serve_port/")
if grep -q "Stale since" "$work/stale.html"; then out "- once its sync failed: the page says \"Stale since …\" (HTTP $code)"; fi
stop_serve
out ""

out "## Embedded store: $local_n families"
out ""
"$python" scripts/bench_scale_data.py files "$local_n" 1 "$work/files"
t0=$(now)
find "$work/files" -name '*.json' -print0 | sort -z | xargs -0 -n 2000 "$bin" import --data-dir "$work/local" >/dev/null
t1=$(now)
out "- import: $(elapsed "$t0" "$t1") s"
t0=$(now)
"$bin" sync --data-dir "$work/local" --no-progress >"$work/sync3.txt"
t1=$(now)
out "- sync (every revision already mirrored by import; a resync): $(elapsed "$t0" "$t1") s: $(cat "$work/sync3.txt")"
out ""
exposure "embedded store" --data-dir "$work/local"
out ""
start_serve "$work/local"
wait_synced
out "### Pages (serve, embedded store)"
out ""
# The embedded store has the seed too; its Datadog family has 3 revisions.
pages "Datadog"
stop_serve
say "report written to $report"
