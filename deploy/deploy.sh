#!/usr/bin/env bash
# A rolling deploy of every service to VERSION (an image tag of `make images`), one container at a time, with
# no failed request through the balancer:
#   1. the version's migrations (`practica prepare`: they only expand, so what still runs the old version
#      keeps working: tests/deploy/test_schema_compat.py);
#   2. web1, web2: drained in HAProxy (no new request; those under way finish), replaced, ready on /ping,
#      put back, seen UP by the balancer;
#   3. the worker: stopped gracefully (its running jobs finish or, past the stop timeout, are retried),
#      replaced, ready once it has started and keeps running (jobs wait in the queue meanwhile);
#   4. the gateway: first its standby (a backup server in HAProxy, idle while the gateway is UP), replaced and
#      ready; then the gateway itself, put in maintenance (new connections go to the standby, already on
#      VERSION), given a short drain, replaced, ready, UP again. Open terminals of the old gateway are cut:
#      the browser reconnects, to a new shell (files are untouched);
#   5. Chronicles: its server (ready on /ping), its Kafka consumer, its worker.
# Each replaced container's log is kept in $PRACTICA_DEPLOY_DATA/logs/CONTAINER.TIME.log.
# A container that is not ready in time (PRACTICA_DEPLOY_READY_TIMEOUT seconds, default 120) rolls the deploy
# back: every service already moved, and that one, gets its previous image again, in reverse order; the
# script then exits 1 naming the service. Rolling back by hand is the same command with the old version.
# PRACTICA_OPS_WEBHOOK_URL set: the deploy's start, end, failure and rollback are posted there.
#   deploy/deploy.sh VERSION          (make deploy-version VERSION=…)
# Same settings as up.sh (PRACTICA_DEPLOY_PROJECT, PRACTICA_DEPLOY_DATA…).
set -euo pipefail
version=${1:?usage: deploy/deploy.sh VERSION}
# shellcheck source=deploy/settings.sh
. "$(dirname "$0")/settings.sh"
load_secrets
ready_timeout=${PRACTICA_DEPLOY_READY_TIMEOUT:-120}
balancer="${project}_balancer_1"
# In the order they are replaced; the image of each (chronicles-consumer and -worker run chronicles').
SERVICES=(web1 web2 worker gateway-standby gateway chronicles chronicles-consumer chronicles-worker)
declare -A IMAGE=([web1]=web [web2]=web [worker]=worker [gateway-standby]=gateway [gateway]=gateway
  [chronicles]=chronicles [chronicles-consumer]=chronicles [chronicles-worker]=chronicles)
declare -A BACKEND=([web1]=web [web2]=web [gateway-standby]=gateway [gateway]=gateway)
declare -A PORT=([web1]=8000 [web2]=8000 [gateway-standby]=8002 [gateway]=8002 [chronicles]=8001)
declare -A STARTED=([worker]=practica.worker.start [chronicles-consumer]=kafka.consume
  [chronicles-worker]=chronicles.worker.start)
declare -A PREVIOUS=()

haproxy() {  # one command to HAProxy's runtime API, inside the balancer's container
  podman exec "$balancer" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9999 && printf "%s\n" "$1" >&3 && cat <&3' _ "$1"
}

server_field() {  # server_field SERVICE COLUMN: a column of `show stat` (5 scur, 18 status)
  haproxy "show stat" | awk -F, -v backend="${BACKEND[$1]}" -v server="$1" -v column="$2" \
    '$1 == backend && $2 == server { print $column }'
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

container() { echo "${project}_$1_1"; }
drained() { [ "$(server_field "$1" 5)" = 0 ]; }
up_in_balancer() { [ "$(server_field "$1" 18)" = UP ]; }
answers_ping() {
  podman exec "$(container "$1")" python -c \
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT[$1]}/ping', timeout=2)" >/dev/null 2>&1
}
running() { [ "$(podman inspect --format '{{.State.Running}}' "$(container "$1")" 2>/dev/null)" = true ]; }
started() {  # the process logged its start and, 5 s on, still runs (a bad start exits within seconds)
  podman logs "$(container "$1")" 2>&1 | grep "\"${STARTED[$1]}\"" >/dev/null && sleep 5 && running "$1"
}
ready() {
  if [ -n "${PORT[$1]:-}" ]; then answers_ping "$1"; else started "$1"; fi
}
image_tag() {  # the tag of the image a service's container runs now
  local image
  image=$(podman inspect --format '{{.ImageName}}' "$(container "$1")" 2>/dev/null) || return 1
  echo "${image##*:}"
}

notify() {  # notify TITLE LINE…: a Slack-compatible message to PRACTICA_OPS_WEBHOOK_URL (if set), never fatal
  [ -n "${PRACTICA_OPS_WEBHOOK_URL:-}" ] || return 0
  local text="*$1*" line
  shift
  for line in "$@"; do text+=$'\n'"• $line"; done
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  text=${text//$'\n'/\\n}
  curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "{\"username\": \"Practica\", \"text\": \"$text\"}" "$PRACTICA_OPS_WEBHOOK_URL" >/dev/null 2>&1 ||
    echo "deploy: the operations webhook did not take the message '$1'" >&2
}

take_out() {  # take_out SERVICE: no new connection to it; those under way may finish
  local service=$1
  [ -n "${BACKEND[$service]:-}" ] || return 0
  haproxy "set server ${BACKEND[$service]}/$service state drain" >/dev/null
  haproxy "set server ${BACKEND[$service]}/$service state maint" >/dev/null
  if [ "${BACKEND[$service]}" = web ]; then
    wait_for 60 "$service drained" drained "$service"
  else  # terminals (WebSockets) stay for hours: a short drain for file requests, then they are cut
    wait_for 10 "$service drained" drained "$service" 2>/dev/null || true
  fi
}

put_back() {  # put_back SERVICE: ready again in the balancer
  local service=$1
  [ -n "${BACKEND[$service]:-}" ] || return 0
  haproxy "set server ${BACKEND[$service]}/$service state ready" >/dev/null
  wait_for 60 "$service UP in the balancer" up_in_balancer "$service"
}

keep_log() {  # keep_log CONTAINER: its log, kept under $data/logs/ before the container goes (what it said last)
  mkdir -p "$data/logs"
  podman logs "$1" >"$data/logs/$1.$(date -u +%Y%m%dT%H%M%SZ).log" 2>&1 || true
}

replace() {  # replace SERVICE TAG: its container swapped for one of TAG, ready and back in the balancer
  local service=$1 tag=$2 name
  name=$(container "$service")
  take_out "$service" || return 1
  podman stop --time "$([ "$service" = worker ] && echo 90 || echo 30)" "$name" >/dev/null 2>&1 || true
  keep_log "$name"
  podman rm --force "$name" >/dev/null 2>&1 || true
  if ! PRACTICA_IMAGE_TAG=$tag "${compose[@]}" up -d --no-deps "$service" >>"$data/compose.log" 2>&1; then
    tail -20 "$data/compose.log" >&2
    return 1
  fi
  wait_for "$ready_timeout" "$service ($tag) ready" ready "$service" || return 1
  put_back "$service"
}

roll_back() {  # roll_back SERVICE…: each back on its previous image, in reverse order; whether all made it
  local service index ok=0 services=("$@")
  for ((index = ${#services[@]} - 1; index >= 0; index--)); do
    service=${services[index]}
    echo "deploy: $service → ${PREVIOUS[$service]} (rollback)"
    replace "$service" "${PREVIOUS[$service]}" || ok=1
  done
  return $ok
}

for image in web worker gateway chronicles; do
  podman image exists "localhost/practica/$image:$version" ||
    { echo "deploy: no image localhost/practica/$image:$version (make images)" >&2; exit 1; }
done
for service in "${SERVICES[@]}"; do
  PREVIOUS[$service]=$(image_tag "$service") ||
    { echo "deploy: $service is not running (deploy/up.sh starts the topology)" >&2; exit 1; }
done
from=${PREVIOUS[web1]}

notify "Deploy of $version started" "project $project, from $from"
echo "deploy: migrations of $version"
if ! PRACTICA_IMAGE_TAG=$version run_prepare >/dev/null; then
  notify "Deploy of $version failed" "practica prepare (the migrations) failed: nothing was replaced; $from still runs"
  exit 1
fi
moved=()
for service in "${SERVICES[@]}"; do
  echo "deploy: $service → $version"
  moved+=("$service")
  if ! replace "$service" "$version"; then
    echo "deploy: $service did not come up on $version: rolling back to the previous images" >&2
    notify "Deploy of $version failed" "$service was not ready within $ready_timeout s" \
      "rolling ${#moved[@]} service(s) back to $from"
    if roll_back "${moved[@]}"; then
      notify "Deploy of $version rolled back" "every service runs its previous image again ($from)"
      echo "deploy: FAILED: $service was not ready on $version; rolled back, every service runs its previous image" >&2
    else
      notify "Rollback of $version failed" "some services are neither on $version nor on $from: see podman ps"
      echo "deploy: FAILED: $service was not ready on $version, and the rollback failed too (podman ps -a)" >&2
    fi
    exit 1
  fi
done
notify "Deploy of $version finished" "project $project: every service on $version (was $from)"
echo "deploy: every service on $version"
