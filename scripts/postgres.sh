#!/usr/bin/env bash
# A throwaway PostgreSQL server (Debian's package) for the tests that run the ecs-lens
# database — embedded store, audit trail, drafts — against PostgreSQL (`--database-url`).
#
#   scripts/postgres.sh ensure-installed   apt-get install postgresql if no server binaries
#   scripts/postgres.sh start              install if needed, initdb a fresh cluster and start it on
#                                          127.0.0.1:$ECS_LENS_POSTGRES_PORT (default 5056) unless
#                                          already running, wait until it accepts connections, print
#                                          its URL (export it as ECS_LENS_POSTGRES_URL)
#   scripts/postgres.sh url                print the URL of the running server (exit 1 if none)
#   scripts/postgres.sh stop               stop it and delete the cluster (no-op if none)
#
# Idempotent. The cluster lives in $TMPDIR/ecs-lens-postgres-<port>-<checkout> (test data only: trust
# authentication on loopback, fsync off). Run as root, the server runs as Debian's `postgres`
# user (PostgreSQL refuses to run as root). Only the cluster this script made is ever stopped.
#
#   ECS_LENS_POSTGRES_URL=$(scripts/postgres.sh start) cargo test --features ssr
set -euo pipefail

port="${ECS_LENS_POSTGRES_PORT:-5056}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Per checkout and port: `stop` only ever stops the cluster this checkout started.
state="${TMPDIR:-/tmp}/ecs-lens-postgres-$port-$(printf '%s' "$root" | md5sum | cut -c1-8)"
data="$state/data"
logfile="$state/postgres.log"
user=ecslens
url="postgres://$user@127.0.0.1:$port/postgres"

say() { echo "postgres.sh: $*" >&2; }

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

ensure_installed() {
  if [ -n "$(bindir)" ] && [ -x "$(bindir)/postgres" ]; then return 0; fi
  say "installing Debian's postgresql"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2 && $sudo apt-get install -y -q postgresql >&2
  [ -x "$(bindir)/postgres" ] || { say "postgresql did not install"; exit 1; }
}

# Run a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ready() {
  "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start() {
  ensure_installed
  local bin; bin="$(bindir)"
  if running && ready; then echo "$url"; return 0; fi
  if ready; then
    say "something else already listens on 127.0.0.1:$port; choose another port with ECS_LENS_POSTGRES_PORT"
    exit 1
  fi
  rm -rf "$state"
  mkdir -p "$state"
  [ "$(id -u)" = 0 ] && chown postgres: "$state"
  as_owner "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 || {
    say "initdb failed:"; tail -n 20 "$state/initdb.log" >&2; exit 1; }
  # setsid: its own session, so a terminal's Ctrl-C on the caller does not take it down mid-run.
  as_owner setsid "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
    -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null || { say "the server did not start; its log ($logfile):"; tail -n 20 "$logfile" >&2; exit 1; }
  for _ in $(seq 1 100); do
    if ready; then
      say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') answers at $url (cluster $data)"
      echo "$url"
      return 0
    fi
    sleep 0.2
  done
  say "PostgreSQL did not accept connections within 20 s; log: $logfile"
  stop
  exit 1
}

stop() {
  if [ -d "$data" ] && [ -n "$(bindir)" ]; then
    as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 && say "PostgreSQL on port $port stopped" || true
  fi
  rm -rf "$state"
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  start) start ;;
  stop) stop ;;
  url) running || { say "no PostgreSQL running (scripts/postgres.sh start)"; exit 1; }; echo "$url" ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|url|ensure-installed" >&2
    exit 2
    ;;
esac
