#!/usr/bin/env bash
# Every test of ecs-lens. Installs what is missing first (idempotent), then:
#  1. the analysis core builds for wasm32 (the browser editor runs it);
#  2. unit, property, integration and CLI tests, and the benchmarks in test mode; the store
#     contract also runs against the Amazon ECS store pointed at moto's server, and the
#     embedded store, audit trail and drafts against PostgreSQL (both started here, stopped
#     on exit);
#  3. the dashboard end to end: cargo-leptos builds server + WASM, starts the server,
#     Playwright drives Debian's Chromium against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "core builds for wasm32-unknown-unknown"
cargo check --lib --target wasm32-unknown-unknown --quiet

step "examples build (the timing tools of README's Performance section)"
cargo check --features ssr --examples --quiet

step "moto's server (the Amazon ECS stand-in for tests/aws_store.rs)"
cleanup() {
  bash scripts/moto.sh stop || true
  bash scripts/postgres.sh stop || true
  rm -rf "${ECS_LENS_DATA_DIR:-/nonexistent-ecs-lens}"
}
trap cleanup EXIT
ECS_LENS_MOTO_URL=$(bash scripts/moto.sh start)
export ECS_LENS_MOTO_URL

step "PostgreSQL (Debian's; the --database-url tests of the store, audit trail and drafts)"
ECS_LENS_POSTGRES_URL=$(bash scripts/postgres.sh start)
export ECS_LENS_POSTGRES_URL

step "cargo test (unit, property, integration, CLI, store, benches in test mode)"
PROPTEST_CASES="${PROPTEST_CASES:-256}" cargo test --features ssr --lib --bins --tests --benches

step "fuzz the core briefly (parser, linter, graph, diff; scripts/fuzz.sh runs them longer)"
bash scripts/fuzz.sh "${ECS_LENS_FUZZ_SECONDS:-10}"

step "end to end (Playwright + Chromium against the real server)"
# A fresh embedded store for the run (seeded on first start), removed afterwards.
ECS_LENS_DATA_DIR=$(mktemp -d)
export ECS_LENS_DATA_DIR
cargo leptos end-to-end --split
