#!/usr/bin/env bash
# Usage: rename-ext.sh FROM TO [DIR]
# Renames every DIR/NAME.FROM to NAME.TO, never overwriting: a name taken is skipped (exit 1 at the end).
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "Usage: rename-ext.sh FROM TO [DIR]" >&2
  exit 2
fi
from="$1" to="$2" dir="${3:-.}"
status=0
for file in "$dir"/*."$from"; do
  [ -e "$file" ] || continue
  name="$(basename "$file")"
  target="${name%."$from"}.$to"
  if [ -e "$dir/$target" ]; then
    echo "rename-ext.sh: $target exists, skipped" >&2
    status=1
    continue
  fi
  mv -- "$file" "$dir/$target"
  echo "$name -> $target"
done
exit "$status"
