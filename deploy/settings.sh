# Sourced by up.sh, down.sh and deploy.sh: the project, its state directory, its ports and its secrets.
# shellcheck shell=bash
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project=${PRACTICA_DEPLOY_PROJECT:-practica}
export PRACTICA_DEPLOY_DATA=${PRACTICA_DEPLOY_DATA:-$root/var/deploy/$project}
export PRACTICA_HTTP_PORT=${PRACTICA_HTTP_PORT:-8080}
export PRACTICA_GATEWAY_PORT=${PRACTICA_GATEWAY_PORT:-8082}
export PRACTICA_PROMETHEUS_PORT=${PRACTICA_PROMETHEUS_PORT:-9090}
export PRACTICA_PUBLIC_URL=${PRACTICA_PUBLIC_URL:-http://127.0.0.1:$PRACTICA_HTTP_PORT}
export PRACTICA_GATEWAY_PUBLIC_URL=${PRACTICA_GATEWAY_PUBLIC_URL:-http://127.0.0.1:$PRACTICA_GATEWAY_PORT}
export PRACTICA_SMTP_URL=${PRACTICA_SMTP_URL:-}
export PRACTICA_OPS_WEBHOOK_URL=${PRACTICA_OPS_WEBHOOK_URL:-}
export CONTAINERS_CONF=$root/deploy/containers.conf
for tool in podman podman-compose curl; do
  command -v "$tool" >/dev/null || { echo "deploy: '$tool' is missing (Debian: apt-get install podman podman-compose netavark aardvark-dns curl)" >&2; exit 1; }
done
compose=(podman-compose -p "$project" -f "$root/deploy/compose.yaml")
data=$PRACTICA_DEPLOY_DATA
engine="$data/engine"
secrets="$data/secrets.env"
SECRET_NAMES="PRACTICA_SECRET_KEY PRACTICA_GATEWAY_KEY CHRONICLES_PRODUCER_KEY CHRONICLES_SIGNING_KEY POSTGRES_PASSWORD"

load_secrets() {  # made once (mode 600), then reused: a second start keeps sessions, tokens and the database
  if [ ! -f "$secrets" ]; then
    mkdir -p "$data"
    (
      umask 077
      for name in $SECRET_NAMES; do
        echo "$name=$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 40)"
      done >"$secrets"
    )
  fi
  set -a
  # shellcheck source=/dev/null
  . "$secrets"
  set +a
}

# Run practica prepare (PRACTICA_IMAGE_TAG's) to its end; podman-compose 1.0.3 ignores depends_on conditions.
run_prepare() {
  podman rm --force "${project}_prepare_1" >/dev/null 2>&1 || true
  "${compose[@]}" up -d prepare >>"$data/compose.log" 2>&1 || { tail -20 "$data/compose.log" >&2; return 1; }
  local status
  status=$(podman wait "${project}_prepare_1")
  if [ "$status" != 0 ]; then
    podman logs "${project}_prepare_1" 2>&1 | tail -30 >&2
    echo "deploy: practica prepare failed (exit $status)" >&2
    return 1
  fi
  podman logs "${project}_prepare_1" 2>&1 | grep -v '^{' || true
}
