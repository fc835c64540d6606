#!/usr/bin/env bash
# Usage: backup.sh [-h] [-v] [-n NAME] SOURCE DEST
# Pack SOURCE into DEST/NAME.tar.gz.
set -euo pipefail

PROGRAM=backup.sh

usage() {
    echo "Usage: $PROGRAM [-h] [-v] [-n NAME] SOURCE DEST"
}

fail() {
    echo "$PROGRAM: $*" >&2
    exit 1
}

verbose=false
name=""
while getopts ":hvn:" opt; do
    case $opt in
        h) usage; exit 0 ;;
        v) verbose=true ;;
        n) name=$OPTARG ;;
        *) usage >&2; exit 2 ;;  # unknown option (?) or missing value (:)
    esac
done
shift $((OPTIND - 1))

if [ $# -ne 2 ]; then
    usage >&2
    exit 2
fi
src=$1
dest=$2

[ -d "$src" ] || fail "$src: not a directory"
name=${name:-$(basename "$src")}
archive="$dest/$name.tar.gz"

mkdir -p "$dest"
tar -czf "$archive" -C "$(dirname "$src")" "$(basename "$src")"

if $verbose; then
    echo "backed up $src to $archive"
fi
