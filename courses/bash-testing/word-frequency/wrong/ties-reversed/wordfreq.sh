#!/usr/bin/env bash
set -euo pipefail
count="${1:-3}"
tr '[:upper:]' '[:lower:]' | tr -cs '[:alpha:]' '\n' | grep -v '^$' | sort | uniq -c | sort -rn |
  head -n "$count" | awk '{ print $1, $2 }' || true
