#!/usr/bin/env bash
# Print the N (default 3) most frequent words of standard input as "COUNT WORD".
set -euo pipefail
count="${1:-3}"
tr '[:upper:]' '[:lower:]' |
  tr -cs '[:alpha:]' '\n' |
  grep -v '^$' |
  sort | uniq -c |
  sort -k1,1nr -k2,2 |
  head -n "$count" |
  awk '{ print $1, $2 }' || true
