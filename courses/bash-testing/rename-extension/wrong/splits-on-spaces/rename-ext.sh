#!/usr/bin/env bash
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "Usage: rename-ext.sh FROM TO [DIR]" >&2
  exit 2
fi
from="$1" to="$2" dir="${3:-.}"
status=0
for name in $(cd "$dir" && ls -- *."$from" 2>/dev/null); do
  target="${name%."$from"}.$to"
  if [ -e "$dir/$target" ]; then
    echo "rename-ext.sh: $target exists, skipped" >&2
    status=1
    continue
  fi
  mv -- "$dir/$name" "$dir/$target" 2>/dev/null && echo "$name -> $target"
done
exit "$status"
