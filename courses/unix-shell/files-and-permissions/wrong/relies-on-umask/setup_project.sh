#!/usr/bin/env bash
# Looks right with the usual umask 022, but never sets a mode itself.
set -euo pipefail

dir=$1

mkdir -p "$dir/bin" "$dir/data" "$dir/secrets"
printf '#!/bin/sh\necho running\n' > "$dir/bin/run.sh"
chmod +x "$dir/bin/run.sh"
if [ ! -e "$dir/secrets/token" ]; then
    echo change-me > "$dir/secrets/token"
fi
printf '# %s\n' "$(basename "$dir")" > "$dir/README.md"
