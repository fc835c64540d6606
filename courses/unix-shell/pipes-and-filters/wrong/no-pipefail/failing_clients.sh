#!/usr/bin/env bash
# Usage: bash failing_clients.sh LOGFILE [N]
# Print the N (default 3) clients with the most error responses, as "COUNT ADDRESS".

log=$1
n=${2:-3}

# awk limits the output itself (rather than `head`), so nothing upstream is
# killed by SIGPIPE, which pipefail would report as a failure.
awk '$9 >= 400 { print $1 }' "$log" \
    | sort \
    | uniq -c \
    | sort -k1,1nr -k2,2 \
    | awk -v n="$n" 'NR <= n { print $1, $2 }'
