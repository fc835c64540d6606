#!/usr/bin/env bash
# Usage: bash setup_project.sh DIR
# Create the project skeleton described in the task, with exact modes.
set -euo pipefail

dir=$1

mkdir -p "$dir/bin" "$dir/data" "$dir/secrets"
chmod 755 "$dir" "$dir/bin"
chmod 750 "$dir/data"
chmod 700 "$dir/secrets"

printf '#!/bin/sh\necho running\n' > "$dir/bin/run.sh"
chmod 755 "$dir/bin/run.sh"

if [ ! -e "$dir/secrets/token" ]; then
    # Create it unreadable for others from the start, not only after chmod.
    (umask 077 && echo change-me > "$dir/secrets/token")
fi
chmod 600 "$dir/secrets/token"

printf '# %s\n' "$(basename "$dir")" > "$dir/README.md"
chmod 644 "$dir/README.md"
