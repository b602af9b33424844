#!/usr/bin/env bash
# Build (release) and run the ecs-lens dashboard on 127.0.0.1:3000. Installs what is missing.
# Extra arguments go to `ecs-lens serve` (e.g. --bind 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --split
export LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=ecs-lens
exec ./target/release/ecs-lens serve "$@"
