#!/usr/bin/env bash
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "Usage: rename-ext.sh FROM TO [DIR]" >&2
  exit 2
fi
from="$1" to="$2" dir="${3:-.}"
for file in "$dir"/*."$from"; do
  [ -e "$file" ] || continue
  name="$(basename "$file")"
  target="${name%."$from"}.$to"
  mv -- "$file" "$dir/$target"
  echo "$name -> $target"
done
