#!/usr/bin/env bash
# practica/base:<key>: Debian bookworm (debootstrap minbase) with the packages of
# base-packages.txt and an unprivileged user `practica` (uid 10001), imported
# with `podman import`. No registry is reachable here, so this is the root of
# every image. <key> hashes this script and the package list: a second run (or a
# CI run on a machine that has the image) finds it and builds nothing.
#   deploy/images/base.sh          build if missing; print the image name last
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
engine=${ENGINE:-podman}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
key=$(cat "$here/base.sh" "$here/base-packages.txt" | sha256sum | cut -c1-16)
image="localhost/practica/base:$key"

if "$engine" image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
for tool in debootstrap "$engine"; do
  command -v "$tool" >/dev/null || { echo "images: '$tool' is missing (apt-get install debootstrap podman)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "images: debootstrap needs root" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/practica-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
packages=$(grep -v '^\s*#' "$here/base-packages.txt" | awk 'NF {print $1}' | paste -sd, -)
echo "images: debootstrap bookworm minbase + $packages (a few minutes, once)" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
chroot "$work/rootfs" groupadd --gid 10001 practica
chroot "$work/rootfs" useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin practica
# What a running service never needs: package caches, lists, docs, man pages, logs.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
  "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/var/log/*.log
tar -C "$work/rootfs" --numeric-owner -c . | "$engine" import \
  --change "LABEL org.opencontainers.image.title=practica-base" \
  --change "LABEL practica.base.key=$key" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "CMD [\"/bin/bash\"]" \
  - "$image" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; exit 1; }
echo "$image"
