#!/usr/bin/env bash
# Start a private PostgreSQL server on loopback for the ledger tests and print its URL.
# Uses Debian's postgresql (installed here if missing); the cluster lives in a temp folder and
# is owned by the `postgres` user, since the server refuses to run as root.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1
fi
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
port=${ALPHALAB_PG_PORT:-55432}
dir=${ALPHALAB_PG_DIR:-/tmp/alphalab-pg-$port}
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  run "'$bin/initdb' -D '$dir' -U alphalab --auth=trust -E UTF8" >/dev/null
fi
if ! run "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
  run "'$bin/pg_ctl' -D '$dir' -l '$dir/server.log' -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on\" start" >/dev/null
fi
echo "postgresql+psycopg://alphalab@127.0.0.1:$port/postgres"
