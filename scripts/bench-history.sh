#!/usr/bin/env bash
# History and comparison at length (issue "History, drift and hygiene"), reproducible:
#
#   bash scripts/bench-history.sh                 one family of BENCH_HISTORY_N=1000 revisions
#   BENCH_NO_BUILD=1 bash scripts/bench-history.sh  reuse the release build in target/
#
# The seed's task definition (the article's FastAPI + Datadog + CWS + Alembic task) registered
# BENCH_HISTORY_N times in the embedded store as one family, each revision changing what real
# revisions change in turn (the app's image tag, a log level, CPU and memory, a container added
# and removed again, DD_API_KEY moved to Secrets Manager half way). Then:
#  1. `ecs-lens history` cold (every pair diffed once and kept in the mirror), warm, filtered;
#  2. `ecs-lens diff` of the first and last revisions, and across families;
#  3. `ecs-lens serve`: the History page (first, a later page, filtered) and the compare pages,
#     server time (median of 5 warm requests) and HTML size.
# The report goes to standard output and is appended to target/bench-history.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
h="${BENCH_HISTORY_N:-1000}"
serve_port="${BENCH_SERVE_PORT:-3091}"
bin="$root/target/release/ecs-lens"
work="$(mktemp -d /tmp/ecs-lens-bench-history.XXXXXX)"
report="$root/target/bench-history.md"
say() { echo "bench-history: $*" >&2; }
out() { echo "$*" | tee -a "$report"; }

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  say "building the release binary and site (cargo leptos build --release --split)"
  flock /tmp/ecs-lens-cargo.lock cargo leptos build --release --split >&2
fi
[ -x "$bin" ] || { say "no $bin: build it (cargo leptos build --release --split)"; exit 1; }

serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
unset ECS_LENS_SOURCE ECS_LENS_REGIONS ECS_LENS_DATABASE_URL || true
export LEPTOS_SITE_ROOT="$root/target/site" NO_COLOR=1
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

: >"$report"
out "# ecs-lens history benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, release build)"
out ""

python3 - "$h" "$work/files" <<'EOF'
import copy, json, os, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
seed = json.load(open("tests/fixtures/seed/datadog-fastapi-taskdef.json"))
seed["family"] = "long-history"
extra = {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
         "essential": False, "firelensConfiguration": {"type": "fluentbit"}, "memoryReservation": 50}
for i in range(1, n + 1):
    td = copy.deepcopy(seed)
    app = next(c for c in td["containerDefinitions"] if c["name"] == "my-app-repo")
    app["image"] = app["image"].replace(":latest", f":build-{i // 3}")
    app.setdefault("environment", []).append({"name": "LOG_LEVEL", "value": ["info", "debug"][(i // 7) % 2]})
    td["cpu"], td["memory"] = [("1024", "2048"), ("2048", "4096")][(i // 50) % 2]
    if (i // 100) % 2 == 1:
        td["containerDefinitions"].append(copy.deepcopy(extra))
    if i > n // 2:
        agent = next(c for c in td["containerDefinitions"] if c["name"] == "datadog-agent")
        agent["environment"] = [e for e in agent["environment"] if e["name"] != "DD_API_KEY"]
        agent["secrets"] = [{"name": "DD_API_KEY",
                             "valueFrom": "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ecs-lens/long-history-AbCdEf:DD_API_KEY::"}]
    json.dump(td, open(os.path.join(out, f"{i:06d}.json"), "w"))
EOF
t0=$(now)
find "$work/files" -name '*.json' -print0 | sort -z | xargs -0 -n 5000 "$bin" import --data-dir "$work/data" >/dev/null
t1=$(now)
out "## One family of $h revisions (the seed's task definition, embedded store)"
out ""
out "- import of the $h revisions: $(elapsed "$t0" "$t1") s"

timed() { # label, command...: run once, report seconds and output size
  local label="$1"
  shift
  t0=$(now)
  "$@" >"$work/out.txt"
  t1=$(now)
  out "- $label: $(elapsed "$t0" "$t1") s ($(( $(stat -c %s "$work/out.txt") / 1024 )) KB of output)"
}
timed "\`history long-history\` cold (every pair diffed once, kept)" "$bin" history long-history --format json --data-dir "$work/data"
changes=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['revisions']), 'revisions,', sum(len(r['changes']) for r in d['revisions']), 'changes')" "$work/out.txt")
out "  ($changes)"
timed "\`history long-history\` warm (read back)" "$bin" history long-history --format json --data-dir "$work/data"
timed "\`history long-history --path DD_API_KEY\`" "$bin" history long-history --path DD_API_KEY --data-dir "$work/data"
timed "\`history long-history --container log-router\`" "$bin" history long-history --container log-router --data-dir "$work/data"
"$bin" register "$work/files/$(printf '%06d' "$h").json" --data-dir "$work/data" >/dev/null
timed "\`history long-history\` after one more revision (one new diff)" "$bin" history long-history --format json --data-dir "$work/data"
timed "\`diff long-history:1 long-history:latest\`" "$bin" diff long-history:1 long-history:latest --data-dir "$work/data"
timed "\`diff long-history:latest Datadog:3\` (two families)" "$bin" diff long-history:latest Datadog:3 --data-dir "$work/data"
out ""

"$bin" serve --data-dir "$work/data" --bind "127.0.0.1:$serve_port" --sync-interval 3600 >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 300); do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$serve_port/audit-log" && break
  sleep 0.1
done
for _ in $(seq 1 600); do
  grep -q "ecs-lens: sync\|ecs-lens: synced" "$work/serve.log" && break
  sleep 0.2
done
measure() { # path: median of 5 warm requests, time to the last byte
  local path="$1" times=() size=0 code t
  curl -s -o /dev/null "http://127.0.0.1:$serve_port$path"
  for _ in 1 2 3 4 5; do
    read -r code t size < <(curl -s -o /dev/null -w "%{http_code} %{time_total} %{size_download}\n" "http://127.0.0.1:$serve_port$path")
    times+=("$t")
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf '| `%s` | %s | %.1f ms | %s KB |\n' "$path" "$code" "$(python3 -c "print($med * 1000)")" "$(python3 -c "print(round($size / 1024, 1))")" | tee -a "$report"
}
out "| page | status | server time (median of 5, warm) | HTML |"
out "|---|---|---|---|"
for p in "/families/long-history/history" "/families/long-history/history?page=15" \
         "/families/long-history/history?path=DD_API_KEY" "/families/long-history/history?container=log-router" \
         "/families/long-history" "/compare/long-history/1/$h" "/compare?a=long-history:1&b=Datadog:latest"; do
  measure "$p"
done
rss=$(awk '/VmRSS/ {print $2}' "/proc/$serve_pid/status")
out ""
out "- serve RSS after these: $((rss / 1024)) MB"
kill "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
serve_pid=""
say "report written to $report"
