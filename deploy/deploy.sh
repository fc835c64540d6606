#!/usr/bin/env bash
# A rolling deploy of the web replicas to VERSION (an image tag of `make images`), one at a time behind the
# balancer, with no failed request: the version's migrations first (`practica prepare`: they only expand,
# so the replicas still on the old version keep working), then for each replica: drained in HAProxy
# (no new request; those under way finish), replaced by a container of VERSION, ready on /ping, put back,
# seen UP by the balancer. Rolling back is the same command with the old version.
#   deploy/deploy.sh VERSION          (make deploy-version VERSION=…)
# Same settings as up.sh (PRACTICA_DEPLOY_PROJECT, PRACTICA_DEPLOY_DATA…). The worker, the gateway and
# Chronicles keep their containers (deploy/up.sh with PRACTICA_IMAGE_TAG replaces those).
set -euo pipefail
version=${1:?usage: deploy/deploy.sh VERSION}
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
load_secrets
export PRACTICA_IMAGE_TAG=$version
balancer="${project}_balancer_1"
REPLICAS=(web1 web2)

podman image exists "localhost/practica/web:$version" || { echo "deploy: no image localhost/practica/web:$version (make images)" >&2; exit 1; }

haproxy() {  # one command to HAProxy's runtime API, inside the balancer's container
  podman exec "$balancer" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9999 && printf "%s\n" "$1" >&3 && cat <&3' _ "$1"
}

replica_field() {  # replica_field REPLICA COLUMN: a column of `show stat` (5 scur, 18 status)
  haproxy "show stat" | awk -F, -v server="$1" -v column="$2" '$1 == "web" && $2 == server { print $column }'
}

wait_for() {  # wait_for SECONDS WHAT COMMAND…
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq "$seconds"); do
    "$@" && return 0
    sleep 1
  done
  echo "deploy: $what: not within $seconds s" >&2
  return 1
}

drained() { [ "$(replica_field "$1" 5)" = 0 ]; }
up_in_balancer() { [ "$(replica_field "$1" 18)" = UP ]; }
answers_ping() {
  podman exec "${project}_$1_1" python -c \
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ping', timeout=2)" >/dev/null 2>&1
}

echo "deploy: migrations of $version"
run_prepare >/dev/null
for replica in "${REPLICAS[@]}"; do
  echo "deploy: $replica → $version"
  haproxy "set server web/$replica state drain" >/dev/null
  haproxy "set server web/$replica state maint" >/dev/null
  wait_for 60 "$replica drained" drained "$replica"
  podman stop --time 30 "${project}_${replica}_1" >/dev/null
  podman rm "${project}_${replica}_1" >/dev/null
  "${compose[@]}" up -d "$replica" >>"$data/compose.log" 2>&1 || { tail -20 "$data/compose.log" >&2; exit 1; }
  wait_for 120 "$replica answering /ping" answers_ping "$replica"
  haproxy "set server web/$replica state ready" >/dev/null
  wait_for 60 "$replica UP in the balancer" up_in_balancer "$replica"
done
echo "deploy: web replicas on $version"
