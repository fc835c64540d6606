#!/usr/bin/env bash
# `make images`: one OCI image per service, tagged with the version (`git describe --always --dirty`) and `latest`.
#   localhost/practica/{web,worker,gateway,chronicles}   the app (deploy/images/app.Containerfile)
#   localhost/practica/{postgres,kafka,balancer,prometheus}  Debian's servers on the same base
# Every image starts from practica/base:<key> (deploy/images/base.sh: debootstrap, no registry).
# Cached: the base by its key, the dependencies' wheels by a key of pyproject.toml and the versions
# the project's venv runs (var/images/wheels/<key>), layers by the engine's build cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/deploy/images"
engine=${ENGINE:-podman}
python=${PYTHON:-$root/.venv/bin/python}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/deploy/containers.conf}
version=${VERSION:-$(git -C "$root" describe --always --dirty)}
cache="$root/var/images"
mkdir -p "$cache"

base=$("$here/base.sh" | tail -1)
echo "images: base $base, version $version"

# The dependencies' wheels: only what `pip install practica` needs, at the versions the venv has.
context="$cache/context"
rm -rf "$context" && mkdir -p "$context/app"
"$python" "$here/requirements.py" >"$cache/requirements.txt"
key=$(cat "$cache/requirements.txt" "$here/requirements.py" | sha256sum | cut -c1-16)
wheels="$cache/wheels/$key"
if [ ! -f "$wheels/requirements.txt" ]; then
  echo "images: wheels for the dependencies (once per change of pyproject.toml or the venv)"
  rm -rf "$wheels.new" && mkdir -p "$wheels.new"
  "$python" -m pip wheel --quiet --wheel-dir "$wheels.new" -r "$cache/requirements.txt"
  cp "$cache/requirements.txt" "$wheels.new/requirements.txt"
  rm -rf "$wheels" && mv "$wheels.new" "$wheels"
fi
cp -r "$wheels" "$context/wheels"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$context/app" "$root"
rm -rf "$root/build"  # setuptools' scratch directory
for folder in courses environments schemas; do cp -r "$root/$folder" "$context/$folder"; done
mkdir -p "$context/chronicles" && cp "$root/chronicles/practica-rules.yaml" "$context/chronicles/"

build() {  # build NAME CONTAINERFILE CONTEXT [TARGET] [--env …]
  local name=$1 file=$2 dir=$3 target=${4:-}
  shift 4 || shift $#
  echo "images: practica/$name"
  "$engine" build --quiet --layers --file "$file" ${target:+--target "$target"} --build-arg "BASE=$base" \
    --label "org.opencontainers.image.version=$version" --label "org.opencontainers.image.title=practica-$name" "$@" \
    --tag "localhost/practica/$name:$version" --tag "localhost/practica/$name:latest" "$dir" >/dev/null
}
for service in web worker gateway chronicles; do
  build "$service" "$here/app.Containerfile" "$context" "$service" --env "PRACTICA_VERSION=$version"
done
# The servers' context: their entry points, and the Kafka broker's jars (`make kafka-deps`).
infra="$cache/infra"
[ -d "$root/.kafka/lib" ] || { echo "images: .kafka/lib is missing (make kafka-deps)" >&2; exit 1; }
rm -rf "$infra" && mkdir -p "$infra" && cp "$here"/*-entrypoint.sh "$infra/" && cp -r "$root/.kafka/lib" "$infra/kafka-lib"
for server in postgres kafka balancer prometheus; do
  build "$server" "$here/$server.Containerfile" "$infra" ""
done
echo "images: done ($version)"
