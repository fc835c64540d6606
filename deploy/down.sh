#!/usr/bin/env bash
# Stop what deploy/up.sh started: the compose project, its network, the learner environments and the
# eval host's engine. --volumes also deletes the volumes (database, Kafka, Prometheus) and the state directory.
# Same settings as up.sh (PRACTICA_DEPLOY_PROJECT, PRACTICA_DEPLOY_DATA).
set -uo pipefail
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
purge=false
[ "${1:-}" = --volumes ] && purge=true
# compose.yaml refuses to load without its variables; their values do not matter to `down`.
for name in $SECRET_NAMES; do
  export "$name=${!name:-unused}"
done

args=(down)
$purge && args+=(--volumes)
podman-compose -p "$project" -f "$root/deploy/compose.yaml" "${args[@]}" >/dev/null 2>&1
podman network rm -f "${project}_default" >/dev/null 2>&1
if [ -d "$engine/storage" ]; then
  CONTAINERS_CONF=$root/src/practica/sandbox/containers.conf \
    podman --root "$engine/storage" --runroot "$engine/run" rm --all --force --time 0 >/dev/null 2>&1
fi
# The engine, then what it left (conmon of an exec session outlives its container): by pid, and only
# processes whose command line names this project's engine directory.
if [ -f "$engine/podman.pid" ]; then
  pid=$(cat "$engine/podman.pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$engine/podman.pid"
fi
for pid in $(pgrep -f -- "$engine/" || true); do kill -9 "$pid" 2>/dev/null; done
if $purge; then
  # containers/storage keeps its overlay directory mounted on itself: unmount what is left under $data.
  grep -o " $data/[^ ]*" /proc/mounts | sort -r | while read -r mount; do umount -l "$mount"; done
  rm -rf "$data"
fi
echo "deploy: $project stopped$($purge && echo ', its data deleted')"
