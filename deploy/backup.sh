#!/usr/bin/env bash
# A logical backup of the compose topology's databases: pg_dump -Fc of `practica` and `chronicles`, run
# inside the postgres container (its own PostgreSQL 15 tools), into
# $PRACTICA_DEPLOY_DATA/backups/practica-backup-<time>/ with the manifest `practica backup create` writes
# (app version, schema revision of each database, time, sizes, sha256). `practica backup verify DIR` and
# deploy/restore.sh read it. The services keep running: pg_dump reads one consistent snapshot per database.
# Settings: as deploy/up.sh (PRACTICA_DEPLOY_PROJECT, PRACTICA_DEPLOY_DATA, PRACTICA_IMAGE_TAG);
# PRACTICA_BACKUP_DIR puts the backups elsewhere (default $PRACTICA_DEPLOY_DATA/backups).
set -euo pipefail
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
postgres="${project}_postgres_1"
to=${PRACTICA_BACKUP_DIR:-$data/backups}
tag=${PRACTICA_IMAGE_TAG:-latest}

in_postgres() { podman exec -i "$postgres" "$@"; }
sql() { in_postgres psql -h /tmp -U postgres -d "$1" -v ON_ERROR_STOP=1 -XAtqc "$2"; }
revision() {  # the database's schema revision for one product's version table, or null
  local found
  found=$(sql "$1" "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM $2" 2>/dev/null || true)
  if [ -n "$found" ]; then printf '"%s"' "$found"; else printf null; fi
}

podman container exists "$postgres" || { echo "backup: no container $postgres (is the topology up? deploy/up.sh)" >&2; exit 1; }
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
name="practica-backup-$(date -u -d "$created" +%Y%m%dT%H%M%SZ)"
mkdir -p "$to"
partial="$to/.partial-$name"
trap 'rm -rf "$partial"' EXIT
(umask 077 && mkdir "$partial")
entries=()
for database in practica chronicles; do
  echo "backup: dumping $database"
  rev=$(revision "$database" "${database}_alembic_version")
  in_postgres pg_dump -h /tmp -U postgres --format=custom --dbname="$database" >"$partial/$database.dump"
  size=$(stat -c %s "$partial/$database.dump")
  sum=$(sha256sum "$partial/$database.dump" | cut -d' ' -f1)
  entries+=("$(printf '    {"file": "%s.dump", "database": "%s", "revisions": {"%s": %s}, "size": %s, "sha256": "%s"}' \
    "$database" "$database" "$database" "$rev" "$size" "$sum")")
done
version=$(podman image inspect "localhost/practica/web:$tag" \
  --format '{{index .Config.Labels "org.opencontainers.image.version"}}' 2>/dev/null || echo unknown)
server=$(sql postgres "SHOW server_version")
{
  printf '{\n  "format": 1,\n  "app_version": "%s",\n  "created_at": "%s",\n  "postgres_version": "%s",\n' \
    "$version" "$created" "$server"
  printf '  "dumps": [\n%s,\n%s\n  ],\n  "workspaces": "not included"\n}\n' "${entries[0]}" "${entries[1]}"
} >"$partial/manifest.json"
chmod 600 "$partial"/*
sync -f "$partial/manifest.json"
final="$to/$name"
mv "$partial" "$final"
trap - EXIT
echo "backup: written to $final"
du -h "$final"/*.dump
