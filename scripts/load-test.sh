#!/usr/bin/env bash
# Load test (issue 5): 200 concurrent connections for 30 s each against the families page, the
# seed's revision page and the lint server function, with wrk (Debian's package), on a release
# build over a fresh embedded store. Prints requests/s, p99 latency, errors, and the server's
# resident memory (and its peak) after warm-up and at the end. Exits non-zero on any error or
# non-2xx answer. MIMALLOC_PURGE_DELAY=0 in the environment makes the allocator return freed
# pages at once (flat resident memory, at a throughput cost).
#
#   bash scripts/load-test.sh            (builds first; LOAD_SECONDS=30 LOAD_CONNECTIONS=200)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${LOAD_SECONDS:-30}"
connections="${LOAD_CONNECTIONS:-200}"
port="${LOAD_PORT:-3190}"
if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --split >/dev/null
data="$(mktemp -d)"
work="$(mktemp -d)"
LEPTOS_SITE_ROOT=target/site ./target/release/ecs-lens serve --bind "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/" && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }

# The lint server function: a form POST of the seed task definition, same-origin.
python3 - "$work/lint.lua" "$base" <<'PY'
import json, sys, urllib.parse
text = open("tests/fixtures/seed/datadog-fastapi-taskdef.json").read()
body = urllib.parse.urlencode({"text": text})
open(sys.argv[1], "w").write(
    'wrk.method = "POST"\n'
    f'wrk.body = {json.dumps(body)}\n'
    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    f'wrk.headers["Origin"] = {json.dumps(sys.argv[2])}\n'
)
PY
touch "$work/get.lua"
targets=("families page|$base/|$work/get.lua" "revision page|$base/families/Datadog/3|$work/get.lua" "lint server function|$base/api/lint|$work/lint.lua")

# Warm-up: one whole pass at the full load, as long as the measured one, so that connection
# buffers, caches and the allocator (mimalloc keeps freed pages in per-thread heaps) reach
# the high-water mark of the mix; then the memory baseline. A leak shows as growth over the
# measured pass; the per-target figures show where.
for t in "${targets[@]}"; do
  IFS='|' read -r _ url script <<<"$t"
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s "$script" "$url" >/dev/null
done
sleep 2
warm=$(rss)
warm_hwm=$(hwm)
status=0
printf '%-22s %10s %10s %10s %8s %12s\n' target "req/s" "p99" "requests" errors "RSS after"
for t in "${targets[@]}"; do
  IFS='|' read -r name url script <<<"$t"
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$script" "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out")
  errors=$(( ${non2xx:-0} + ${sock:-0} ))
  [ "$errors" -eq 0 ] || status=1
  sleep 2
  printf '%-22s %10s %10s %10s %8s %9s KiB\n' "$name" "$rps" "$p99" "$total" "$errors" "$(rss)"
done
end=$(rss)
end_hwm=$(hwm)
echo "server RSS: after warm-up ${warm} KiB, at the end ${end} KiB"
# The peak is what a leak moves: mimalloc keeps freed pages in the heaps of the threads that
# freed them, so the resident size after a pass depends on which threads last worked, while
# the high-water mark only grows if the process needs more than the warm-up pass did.
echo "server peak RSS (VmHWM): after warm-up ${warm_hwm} KiB, at the end ${end_hwm} KiB"
exit $status
