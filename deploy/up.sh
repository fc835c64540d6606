#!/usr/bin/env bash
# `make deploy-local`: bring up deploy/compose.yaml on this machine with podman-compose.
#   - secrets made once into $PRACTICA_DEPLOY_DATA/secrets.env (mode 600) and reused;
#   - the eval host's engine: a podman service (Docker Engine API) on a socket in that directory, storage
#     of its own, the sandbox's containers.conf; the worker and the gateway start learner environments there;
#   - PostgreSQL and `practica prepare` first (podman-compose 1.0.3 ignores depends_on conditions),
#     then every service; done when /ping answers through the balancer.
# Settings (environment): PRACTICA_DEPLOY_PROJECT (default practica), PRACTICA_DEPLOY_DATA
# (default var/deploy/PROJECT), PRACTICA_HTTP_PORT (8080), PRACTICA_GATEWAY_PORT (8082),
# PRACTICA_PROMETHEUS_PORT (9090), PRACTICA_IMAGE_TAG (latest), PRACTICA_SMTP_URL (unset: no mail).
# deploy/down.sh stops it (--volumes also deletes the data).
set -euo pipefail
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
mkdir -p "$engine"
chmod 755 "$data"
load_secrets

answers() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# The eval host's engine (already running: kept).
if ! curl -fsS --max-time 2 --unix-socket "$engine/podman.sock" http://d/_ping >/dev/null 2>&1; then
  rm -f "$engine/podman.sock"
  (
    cd "$engine"  # conmon writes its oom marker files into the working directory
    CONTAINERS_CONF=$root/src/practica/sandbox/containers.conf setsid nohup podman \
      --root "$engine/storage" --runroot "$engine/run" \
      system service --time=0 "unix://$engine/podman.sock" >"$engine/podman.log" 2>&1 </dev/null &
    echo $! >"$engine/podman.pid"
  )
  for _ in $(seq 100); do
    curl -fsS --max-time 2 --unix-socket "$engine/podman.sock" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.3
  done
fi

echo "deploy: PostgreSQL, then migrations and first-run preparation"
run_prepare
echo "deploy: the services"
"${compose[@]}" up -d >>"$data/compose.log" 2>&1 || { tail -20 "$data/compose.log" >&2; exit 1; }
for _ in $(seq 180); do
  answers "$PRACTICA_PUBLIC_URL/ping" && answers "$PRACTICA_GATEWAY_PUBLIC_URL/ping" && break
  sleep 1
done
if ! answers "$PRACTICA_PUBLIC_URL/ping"; then
  echo "deploy: $PRACTICA_PUBLIC_URL/ping does not answer; see: podman ps -a --filter label=io.podman.compose.project=$project" >&2
  exit 1
fi
cat <<TEXT
deploy: up (project $project, images ${PRACTICA_IMAGE_TAG:-latest})
  web (balancer)   $PRACTICA_PUBLIC_URL
  gateway          $PRACTICA_GATEWAY_PUBLIC_URL
  prometheus       http://127.0.0.1:$PRACTICA_PROMETHEUS_PORT
  state, secrets   $data
  stop             deploy/down.sh (add --volumes to delete the data)
TEXT
