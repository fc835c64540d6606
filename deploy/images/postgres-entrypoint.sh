#!/bin/sh
# First start: initdb into the volume (password from POSTGRES_PASSWORD, scram over the network) and create
# POSTGRES_DATABASES; then, every start, the server on every address.
set -eu
bin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/data/pg
if [ ! -s "$data/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  "$bin/initdb" -D "$data" -U postgres --pwfile="$password_file" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  rm -f "$password_file"
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$data/pg_hba.conf"
  "$bin/pg_ctl" -D "$data" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
  for database in ${POSTGRES_DATABASES:-}; do
    "$bin/psql" -h /tmp -U postgres -q -c "CREATE DATABASE \"$database\""
  done
  "$bin/pg_ctl" -D "$data" -w stop >/dev/null
  echo "postgres: initialised, databases: ${POSTGRES_DATABASES:-none}"
fi
exec "$bin/postgres" -D "$data" -c listen_addresses='*' -k /tmp -c max_connections=${POSTGRES_MAX_CONNECTIONS:-200}
