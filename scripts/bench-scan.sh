#!/usr/bin/env bash
# The scan benchmark of issue 4: 200 task definitions registered in moto's ECS emulator, then, in
# the same run against the same server, the wall time of
#   (a) `ecs-lens scan --source aws --format json` (release build; default and --concurrency 1), and
#   (b) scripts/bench_scan_floor.py, the API floor: boto3 listing the ACTIVE families and
#       describing each (one at a time, and 10 at a time like ecs-lens).
#
#   bash scripts/bench-scan.sh            (BENCH_RUNS=10 runs each, BENCH_COUNT=200 task definitions)
#
# Uses hyperfine when it is installed (apt-get install hyperfine), else a loop of `date +%s.%N`.
# Runs a moto server of its own on BENCH_MOTO_PORT (default 5077; moto installed by
# scripts/moto.sh ensure-installed) and stops it after.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${BENCH_RUNS:-10}"
count="${BENCH_COUNT:-200}"
bin="$root/target/release/ecs-lens"
python="$root/.venv-moto/bin/python"

say() { echo "bench-scan: $*" >&2; }

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  say "building $bin"
  flock /tmp/ecs-lens-cargo.lock cargo build --release --features ssr --bin ecs-lens >&2
fi
[ -x "$bin" ] || { say "no $bin (build it: cargo build --release --features ssr --bin ecs-lens)"; exit 1; }

# A moto server of its own (installed by scripts/moto.sh), on its own port: the tests' server
# (scripts/moto.sh start, port 5055) may be reset or stopped by a test run at any time.
bash scripts/moto.sh ensure-installed
port="${BENCH_MOTO_PORT:-5077}"
url="http://127.0.0.1:$port"
if curl -s -o /dev/null --max-time 2 "$url/moto-api/"; then
  say "something already listens on 127.0.0.1:$port; choose another port with BENCH_MOTO_PORT"
  exit 1
fi
"$root/.venv-moto/bin/moto_server" -H 127.0.0.1 -p "$port" >/tmp/bench-scan-moto.log 2>&1 </dev/null &
moto_pid=$!
cleanup() {
  kill "$moto_pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$moto_pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$moto_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 150); do
  curl -s -o /dev/null --max-time 2 "$url/moto-api/" && break
  kill -0 "$moto_pid" 2>/dev/null || { say "moto exited: $(tail -n 5 /tmp/bench-scan-moto.log)"; exit 1; }
  sleep 0.2
done
curl -s -o /dev/null --max-time 2 "$url/moto-api/" || { say "moto did not answer at $url within 30 s"; exit 1; }

# Everything below talks to moto through the SDKs' default chain, nothing from ~/.aws.
export AWS_ENDPOINT_URL="$url" AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent/bench/config AWS_SHARED_CREDENTIALS_FILE=/nonexistent/bench/credentials
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_ECS ECS_LENS_SOURCE ECS_LENS_REGIONS || true

curl -s -X POST -o /dev/null "$url/moto-api/reset"
say "registering $count task definitions (the corpus fixtures under distinct family names) in $url"
"$python" - "$count" tests/fixtures/corpus/*.json <<'PY'
import json, sys
import boto3

count, files = int(sys.argv[1]), sorted(sys.argv[2:])
READ_ONLY = {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
             "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"}
inputs = []
for path in files:
    doc = json.load(open(path))
    td, tags = (doc["taskDefinition"], doc.get("tags")) if "taskDefinition" in doc else (doc, None)
    td = {k: v for k, v in td.items() if k not in READ_ONLY}
    if tags and "tags" not in td:
        td["tags"] = tags
    if not td.get("tags"):
        td.pop("tags", None)
    inputs.append(td)
ecs = boto3.client("ecs")
for i in range(count):
    td = dict(inputs[i % len(inputs)])
    td["family"] = f"{td['family']}-{i:03d}"
    ecs.register_task_definition(**td)
PY

# The same 200, seen by both.
scanned="$("$bin" scan --source aws --format json | "$python" -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["scanned"], s["notScanned"])' || true)"
[ "$scanned" = "$count 0" ] || { say "ecs-lens scanned/not scanned: $scanned, expected $count 0"; exit 1; }
"$python" scripts/bench_scan_floor.py 2>&1 | grep -q "described $count of $count" || { say "the floor script did not describe $count"; exit 1; }

scan="$bin scan --source aws --format json"
floor="$python scripts/bench_scan_floor.py"
moto_version="$("$python" -c 'import moto; print(moto.__version__)')"
say "timing, $runs runs each ($count task definitions, moto $moto_version)"
if command -v hyperfine >/dev/null; then
  # ecs-lens exits 1 (findings): -i.
  hyperfine -N -i --warmup 1 --runs "$runs" --style basic --export-json /tmp/bench-scan.json \
    -n "ecs-lens scan (10 describes at once)" "$scan" \
    -n "ecs-lens scan --concurrency 1" "$scan --concurrency 1" \
    -n "boto3 floor (1 at a time)" "$floor" \
    -n "boto3 floor (10 threads)" "$floor --threads 10" >&2
  "$python" - <<'PY'
import json
for r in json.load(open("/tmp/bench-scan.json"))["results"]:
    print(f"{r['command']:<40} mean {r['mean']:.3f} s  ± {r['stddev']:.3f}  median {r['median']:.3f}  min {r['min']:.3f}  max {r['max']:.3f}  ({len(r['times'])} runs)")
PY
else
  time_it() {
    local name="$1"; shift
    local times=()
    for _ in $(seq 1 "$runs"); do
      local t0 t1
      t0="$(date +%s.%N)"
      "$@" >/dev/null 2>&1 || true
      t1="$(date +%s.%N)"
      times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    done
    printf '%s\n' "${times[@]}" | "$python" -c "import sys,statistics as s; t=[float(x) for x in sys.stdin]; print(f'{sys.argv[1]:<40} mean {s.mean(t):.3f} s  median {s.median(t):.3f}  min {min(t):.3f}  max {max(t):.3f}  ({len(t)} runs)')" "$name"
  }
  # shellcheck disable=SC2086
  time_it "ecs-lens scan (10 describes at once)" $scan
  # shellcheck disable=SC2086
  time_it "ecs-lens scan --concurrency 1" $scan --concurrency 1
  # shellcheck disable=SC2086
  time_it "boto3 floor (1 at a time)" $floor
  # shellcheck disable=SC2086
  time_it "boto3 floor (10 threads)" $floor --threads 10
fi
