#!/usr/bin/env bash
set -euo pipefail
count="${1:-3}"
tr -cs '[:alpha:]' '\n' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2 | head -n "$count" |
  awk '{ print $1, $2 }' || true
