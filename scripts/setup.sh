#!/usr/bin/env bash
# Idempotent set-up of everything ecs-lens needs to build, run and test on a fresh
# Debian machine with rustup, node/npm and python3. Every tool comes from a package
# registry (crates.io, npm, PyPI, Debian); nothing is downloaded from elsewhere.
#
#   scripts/setup.sh            # build tools (wasm target, cargo-leptos, wasm-bindgen, npm)
#   scripts/setup.sh --test     # ... plus test tools (Chromium, Playwright, moto, PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin of wasm-bindgen in Cargo.toml
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# 1. wasm32 target (the hydrate bundle and the core's wasm check)
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# cargo install from the crate's own source with one lockfile pin. Used because the
# published lockfiles of these two tools pin crates that no longer build/resolve here
# (see docs in README, "Build tools").
install_pinned() { # crate version pkg-to-pin precise-version [extra install args]
  local crate=$1 version=$2 pin=$3 precise=$4; shift 4
  cargo install "$crate" --version "$version" --locked >/dev/null 2>&1 || true
  if [ -x "$HOME/.cargo/bin/$crate" ] && [ "$crate" != wasm-bindgen-cli ]; then return 0; fi
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -1)
  if [ -z "$src" ]; then
    cargo fetch --manifest-path /dev/null >/dev/null 2>&1 || true
    log "could not unpack $crate $version from crates.io"; return 1
  fi
  local work; work=$(mktemp -d)
  cp -r "$src" "$work/src"
  (cd "$work/src" && cargo update -p "$pin" --precise "$precise" && cargo install --path . --locked "$@")
  rm -rf "$work"
}

# 2. cargo-leptos
if ! cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes ~17 min on 2 cores, once)"
  install_pinned cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 --features no_downloads
fi

# 3. wasm-bindgen CLI, same version as the crate
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  install_pinned wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

# 4. npm packages (tailwind, binaryen's wasm-opt)
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci (root)"; npm ci --no-audit --no-fund
  fi
fi

# 5. The editor bundle (CodeMirror 6 + the glue in editor/), served from public/.
if [ ! -f public/editor.js ] || [ -n "$(find editor package-lock.json -newer public/editor.js 2>/dev/null | head -1)" ]; then
  log "bundling the editor (esbuild)"
  npx --no-install esbuild editor/index.js --bundle --format=iife --minify --log-level=warning --outfile=public/editor.js
fi

if [ "$WANT_TEST" = 1 ]; then
  # 6. Chromium from Debian (Playwright's own browser download cannot work here)
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing Debian chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q chromium chromium-driver
  fi
  # 7. Playwright (driving /usr/bin/chromium; never `npx playwright install`)
  if [ -f end2end/package-lock.json ]; then
    if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
      log "npm ci (end2end)"; (cd end2end && npm ci --no-audit --no-fund)
    fi
  fi
  # 8. moto's server in a virtualenv (.venv-moto), the Amazon ECS stand-in of the store tests
  #    (python3 -m venv needs Debian's python3-venv where python3 is Debian's own).
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing Debian python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q python3-venv
  fi
  bash scripts/moto.sh ensure-installed
  # 9. PostgreSQL from Debian, for the --database-url tests (scripts/postgres.sh runs a
  #    throwaway cluster of it during the tests).
  bash scripts/postgres.sh ensure-installed
fi
log "set-up complete"
