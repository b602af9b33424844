#!/usr/bin/env bash
# Fuzz the analysis core with cargo-fuzz (libFuzzer): the parser, the linter and fixer, the
# dependency graph and the revision comparison (fuzz/fuzz_targets/*.rs say what each checks).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target SECONDS (default 60), all four by default
#
# Installs cargo-fuzz if missing (idempotent). The corpus (fuzz/corpus/<target>, gitignored)
# is seeded from the test fixtures (every task definition in tests/fixtures; pairs of them,
# joined by a 0xFF byte, for diff) and keeps what libFuzzer finds; fuzz/ecs.dict gives it the
# ECS model's words. A crash leaves its input in fuzz/artifacts/<target>/ and fails the script.
#
# The machine's toolchain is stable: cargo-fuzz's unstable compiler flags are allowed with
# RUSTC_BOOTSTRAP=1. No sanitizer (the core is safe Rust; panics, overflow checks and debug
# assertions are what find bugs here), so the executions per second go to coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
CARGO_FUZZ_VERSION=0.13.2
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse lint graph diff)

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
rustc --version | grep -q nightly || export RUSTC_BOOTSTRAP=1

# Seed the corpora (only adds: what libFuzzer found stays).
mapfile -t fixtures < <(find tests/fixtures -name '*.json' | sort)
for t in parse lint graph; do
  mkdir -p "fuzz/corpus/$t"
  for f in "${fixtures[@]}"; do cp -n "$f" "fuzz/corpus/$t/fixture-$(echo "$f" | tr '/' '_')" ; done
done
mkdir -p fuzz/corpus/diff
for ((i = 0; i < ${#fixtures[@]}; i++)); do
  a="${fixtures[$i]}"; b="${fixtures[$(((i + 1) % ${#fixtures[@]}))]}"
  out="fuzz/corpus/diff/pair-$i"
  [ -f "$out" ] || { cat "$a"; printf '\xff'; cat "$b"; } >"$out"
done

cargo fuzz build --sanitizer none --debug-assertions >&2
failed=()
for t in "${targets[@]}"; do
  echo "fuzz.sh: $t for ${seconds}s" >&2
  # Artifacts of earlier runs are not this run's failures: start each target with none.
  rm -rf "fuzz/artifacts/$t"
  log=$(mktemp)
  status=0
  cargo fuzz run --sanitizer none --debug-assertions "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -dict=fuzz/ecs.dict -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|thread|.*panicked|Done)' "$log" >&2 || true
  # A target fails when cargo fuzz exits non-zero (a crash, a timeout, an out-of-memory, a build
  # or start-up error), whether or not it left an input behind.
  if [ "$status" -ne 0 ] || compgen -G "fuzz/artifacts/$t/*" >/dev/null; then
    tail -n 40 "$log" >&2
    echo "fuzz.sh: $t FAILED (exit $status)${status:+; inputs: $(ls "fuzz/artifacts/$t/" 2>/dev/null | tr '\n' ' ')}" >&2
    failed+=("$t")
  fi
  rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no failures" >&2
