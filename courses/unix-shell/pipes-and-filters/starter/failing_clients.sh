#!/usr/bin/env bash
# Usage: bash failing_clients.sh LOGFILE [N]
# Print the N (default 3) clients with the most error responses, as "COUNT ADDRESS".

log=$1
n=${2:-3}

# TODO: one pipeline over "$log"
echo "failing_clients.sh: not written yet" >&2
exit 1
