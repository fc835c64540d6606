#!/usr/bin/env bash
# A base backup of the compose topology's PostgreSQL, for point-in-time recovery with the archived WAL
# (README, "Backups"): `pg_basebackup` inside the postgres container, a gzipped tar with the WAL it
# needs, into $PRACTICA_DEPLOY_DATA/backups/base-<time>.tar.gz with its .sha256.
#   deploy/basebackup.sh [--enable-archiving]
# WAL archiving must be on: --enable-archiving turns it on once (archive_mode needs a restart of
# PostgreSQL: a few seconds in which the services' queries fail and are retried). Segments are archived
# into the volume's wal-archive/ directory; copy it off the host with the base backups.
# Settings: as deploy/up.sh (PRACTICA_DEPLOY_PROJECT, PRACTICA_DEPLOY_DATA); PRACTICA_BACKUP_DIR.
set -euo pipefail
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
postgres="${project}_postgres_1"
to=${PRACTICA_BACKUP_DIR:-$data/backups}
archive=/var/lib/postgresql/data/wal-archive
enable=false
[ "${1:-}" = --enable-archiving ] && enable=true

sql() { podman exec "$postgres" psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -XAtq "$@"; }
ready() { sql -c "SELECT 1" >/dev/null 2>&1; }

podman container exists "$postgres" || { echo "basebackup: no container $postgres (deploy/up.sh first)" >&2; exit 1; }
if [ "$(sql -c "SHOW archive_mode")" != on ]; then
  if ! $enable; then
    echo "basebackup: WAL archiving is off; run deploy/basebackup.sh --enable-archiving once (restarts PostgreSQL)" >&2
    exit 1
  fi
  echo "basebackup: turning WAL archiving on (into $archive in the volume) and restarting PostgreSQL"
  podman exec "$postgres" mkdir -p -m 700 "$archive"
  sql -c "ALTER SYSTEM SET archive_mode = on" \
    -c "ALTER SYSTEM SET archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'"
  podman restart --time 30 "$postgres" >/dev/null
  for _ in $(seq 60); do ready && break; sleep 1; done
  ready || { echo "basebackup: PostgreSQL did not come back after the restart" >&2; exit 1; }
fi
mkdir -p "$to"
file="$to/base-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
trap 'rm -f "$file.partial"' EXIT
(umask 077 && podman exec "$postgres" pg_basebackup -h /tmp -U postgres -D - -Ft -X fetch -z --checkpoint=fast \
  >"$file.partial")
mv "$file.partial" "$file"
trap - EXIT
(cd "$to" && sha256sum "$(basename "$file")" >"$(basename "$file").sha256" && chmod 600 "$(basename "$file").sha256")
echo "basebackup: written to $file ($(du -h "$file" | cut -f1)); WAL keeps arriving in $archive"
