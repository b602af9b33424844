#!/usr/bin/env bash
# moto's server, the stand-in for Amazon ECS that tests/aws_store.rs runs the store contract against.
#
#   scripts/moto.sh ensure-installed   create .venv-moto and pip install 'moto[server]' (once)
#   scripts/moto.sh start              install if needed, start on 127.0.0.1:$ECS_LENS_MOTO_PORT
#                                      (default 5055) unless already running, wait until it answers,
#                                      print its URL (export it as ECS_LENS_MOTO_URL)
#   scripts/moto.sh url                print the URL of the running server (exit 1 if none)
#   scripts/moto.sh stop               stop the server this script started (no-op if none)
#
# Every command is idempotent. State lives in .venv-moto/ (gitignored): the virtualenv, moto.pid,
# moto.port and moto.log. Only the process recorded in moto.pid is ever stopped.
#
#   ECS_LENS_MOTO_URL=$(scripts/moto.sh start) cargo test --features ssr --test aws_store
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-moto"
pidfile="$venv/moto.pid"
portfile="$venv/moto.port"
logfile="$venv/moto.log"
python="${PYTHON:-python3}"
port="${ECS_LENS_MOTO_PORT:-5055}"

say() { echo "moto.sh: $*" >&2; }

ensure_installed() {
  if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c 'import moto.server' 2>/dev/null; then
    return 0
  fi
  if [ ! -x "$venv/bin/python" ]; then
    say "creating the virtualenv $venv"
    "$python" -m venv "$venv"
  fi
  say "installing moto[server] into $venv"
  "$venv/bin/pip" install --quiet 'moto[server]' >&2
  "$venv/bin/python" -c 'import moto.server' || { say "moto did not install"; exit 1; }
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

answers() {
  # moto's own API: any HTTP answer means the server is up.
  curl -s -o /dev/null --max-time 2 "$1/moto-api/" 2>/dev/null
}

start() {
  ensure_installed
  if pid="$(running_pid)"; then
    local url="http://127.0.0.1:$(cat "$portfile")"
    if answers "$url"; then
      echo "$url"
      return 0
    fi
  fi
  rm -f "$pidfile" "$portfile"
  local url="http://127.0.0.1:$port"
  if answers "$url"; then
    say "something else already listens on 127.0.0.1:$port; choose another port with ECS_LENS_MOTO_PORT"
    exit 1
  fi
  # setsid: its own session, so a terminal's Ctrl-C on the caller does not take it down mid-run.
  setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  echo "$port" >"$portfile"
  for _ in $(seq 1 150); do
    if answers "$url"; then
      say "moto server (pid $(cat "$pidfile")) answers at $url"
      echo "$url"
      return 0
    fi
    if ! running_pid >/dev/null; then
      say "moto server exited; its log ($logfile):"
      tail -n 20 "$logfile" >&2 || true
      rm -f "$pidfile" "$portfile"
      exit 1
    fi
    sleep 0.2
  done
  say "moto server did not answer at $url within 30 s; log: $logfile"
  stop
  exit 1
}

stop() {
  if pid="$(running_pid)"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    say "moto server (pid $pid) stopped"
  fi
  rm -f "$pidfile" "$portfile"
}

url() {
  running_pid >/dev/null || { say "no moto server running (scripts/moto.sh start)"; exit 1; }
  echo "http://127.0.0.1:$(cat "$portfile")"
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  start) start ;;
  stop) stop ;;
  url) url ;;
  *)
    echo "usage: scripts/moto.sh start|stop|url|ensure-installed" >&2
    exit 2
    ;;
esac
