#!/usr/bin/env bash
# Restore a backup of deploy/backup.sh (or `practica backup create`) into the compose topology's PostgreSQL.
#   deploy/restore.sh [--yes] [--keep-previous] [--no-start] BACKUP_DIR
# Before anything changes: every dump's size and sha256 must match the manifest, and each schema revision
# must be one the code of PRACTICA_IMAGE_TAG knows (a backup of a newer version is refused, naming it).
# Then the services that use the databases stop, each dump is restored into a new database
# (<name>_restoring_<time>) and only when all are whole are they swapped in, in one transaction; a failure
# drops the new databases and leaves the current ones as they were. deploy/up.sh then starts the services
# (`practica prepare` migrates an older backup's schema forward) unless --no-start.
# --keep-previous keeps the replaced databases as <name>_before_restore_<time>.
set -euo pipefail
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
yes=false keep=false start=true backup=""
for argument in "$@"; do
  case "$argument" in
    --yes) yes=true ;;
    --keep-previous) keep=true ;;
    --no-start) start=false ;;
    -*) echo "restore: unknown option $argument" >&2; exit 2 ;;
    *) backup=${argument%/manifest.json} ;;
  esac
done
[ -n "$backup" ] || { echo "usage: deploy/restore.sh [--yes] [--keep-previous] [--no-start] BACKUP_DIR" >&2; exit 2; }
[ -f "$backup/manifest.json" ] || { echo "restore: $backup/manifest.json is missing: not a backup" >&2; exit 1; }
postgres="${project}_postgres_1"
tag=${PRACTICA_IMAGE_TAG:-latest}
podman container exists "$postgres" || { echo "restore: no container $postgres (deploy/up.sh first)" >&2; exit 1; }

# The revisions the code about to run knows, asked of its image (Alembic's history of each product).
known=$(podman run --rm --network none "localhost/practica/web:$tag" python -c '
import json
from alembic.script import ScriptDirectory
from practica.db.migrate import MIGRATIONS as practica
from chronicles.store.migrate import MIGRATIONS as chronicles
def known(m):
    scripts = ScriptDirectory(str(m.script_location))
    return {"heads": list(scripts.get_heads()), "known": [r.revision for r in scripts.walk_revisions()]}
print(json.dumps({"practica": known(practica), "chronicles": known(chronicles)}))')

# Checks that change nothing; prints "file database" for each dump.
plan=$(python3 - "$backup" "$known" <<'PY'
import hashlib, json, pathlib, sys
backup, known = pathlib.Path(sys.argv[1]), json.loads(sys.argv[2])
def refuse(message):
    sys.exit(f"restore: {message}; nothing was restored")
try:
    manifest = json.loads((backup / "manifest.json").read_text())
    dumps = manifest["dumps"]
except (ValueError, KeyError) as error:
    refuse(f"{backup}/manifest.json is not a backup's manifest ({error})")
for dump in dumps:
    for product, revision in dump["revisions"].items():
        if product not in known:
            refuse(f"{dump['file']} holds {product}'s tables, which this code does not know")
        for single in (revision or "").split(","):
            if single and single not in known[product]["known"]:
                refuse(f"the backup's {product} schema is at revision {single}, which this code does not know "
                       f"(its newest is {', '.join(known[product]['heads'])}): the backup was made by a newer "
                       f"version of Practica; restore it with that version (PRACTICA_IMAGE_TAG)")
    path = backup / pathlib.Path(dump["file"]).name
    if not path.is_file():
        refuse(f"{path} is missing")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if path.stat().st_size != dump["size"] or digest != dump["sha256"]:
        refuse(f"{path}: its size or sha256 does not match the manifest: the file was changed or damaged")
    print(path.name, dump["database"])
PY
)
if ! $yes; then
  read -r -p "Replace the databases of project $project with the backup $backup? [y/N] " answer
  [ "$answer" = y ] || [ "$answer" = yes ] || { echo "restore: nothing done"; exit 1; }
fi

sql() { podman exec -i "$postgres" psql -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -XAtq "$@"; }
stamp=$(date -u +%Y%m%d%H%M%S)
staged=() stopped=false
undo() {  # a failure: the new databases go, the services come back on the unchanged ones
  podman exec "$postgres" rm -f /tmp/restoring.dump || true
  for database in "${staged[@]}"; do
    sql -c "DROP DATABASE IF EXISTS \"${database}_restoring_$stamp\" WITH (FORCE)" >/dev/null || true
  done
  if $stopped && $start; then
    echo "restore: starting the services again on the unchanged databases" >&2
    "$(dirname "$0")/up.sh" >&2 || true
  fi
}
trap undo EXIT

echo "restore: stopping the services that use the databases"
stopped=true
for service in web1 web2 worker gateway chronicles chronicles-consumer chronicles-worker; do
  podman stop --ignore --time 20 "${project}_${service}_1" >/dev/null
done
mapfile -t lines <<<"$plan"  # read first: the podman execs below would read the rest of a loop's stdin
for line in "${lines[@]}"; do
  read -r file database <<<"$line"
  echo "restore: restoring $file into ${database}_restoring_$stamp"
  staged+=("$database")
  sql -c "CREATE DATABASE \"${database}_restoring_$stamp\" TEMPLATE template0"
  # pg_restore reads from a file (a pipe cannot seek to an item out of order); copied in as the container's user.
  podman exec -i "$postgres" sh -c 'umask 077 && cat >/tmp/restoring.dump' <"$backup/$file"
  podman exec "$postgres" pg_restore -h /tmp -U postgres --exit-on-error --no-owner --no-privileges \
    --dbname="${database}_restoring_$stamp" /tmp/restoring.dump \
    || { echo "restore: pg_restore of $file failed; the current databases are unchanged" >&2; exit 1; }
  podman exec "$postgres" rm -f /tmp/restoring.dump
done

echo "restore: swapping the restored databases in"
names=$(printf "'%s'," "${staged[@]}")
sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN (${names%,})" >/dev/null
swap=()
for database in "${staged[@]}"; do
  swap+=(-c "ALTER DATABASE \"$database\" RENAME TO \"${database}_before_restore_$stamp\""
         -c "ALTER DATABASE \"${database}_restoring_$stamp\" RENAME TO \"$database\"")
done
sql --single-transaction "${swap[@]}"
trap - EXIT
for database in "${staged[@]}"; do
  if $keep; then
    echo "restore: the data before the restore is kept in database ${database}_before_restore_$stamp"
  else
    sql -c "DROP DATABASE \"${database}_before_restore_$stamp\" WITH (FORCE)"
  fi
done
echo "restore: done"
if $start; then
  exec "$(dirname "$0")/up.sh"
fi
