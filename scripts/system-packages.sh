#!/usr/bin/env bash
# Install the Debian packages Practica needs, or name them when we cannot.
#   scripts/system-packages.sh run    what `make run` needs
#   scripts/system-packages.sh test   what `make test` needs on top
# As root, missing packages are installed with apt-get; otherwise the script
# names them and exits 1 (the make target stops with that message).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
group=${1:-run}

wanted() { grep -v '^\s*#' "$here/packages/$1.txt" | awk 'NF {print $1}'; }

packages=$(wanted run)
if [ "$group" = test ]; then packages="$packages $(wanted test)"; fi
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then packages="$packages python3-venv"; fi
# Go builds the docker runtime's exec agent (exec-agent/); a Go already installed (not Debian's) does too.
if ! command -v go >/dev/null; then packages="$packages golang-go"; fi

missing=()
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "practica: please install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "practica: missing Debian packages: ${missing[*]}" >&2
  echo "practica: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "practica: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
