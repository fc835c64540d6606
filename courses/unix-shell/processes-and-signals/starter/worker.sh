#!/usr/bin/env bash
# Usage: bash worker.sh DIR
# A worker that cleans up after itself when it gets SIGTERM or SIGINT.

dir=$1

# TODO: a cleanup function and a trap, the scratch directory and the pid file.

while true; do
    echo tick >> "$dir/worker.log"
    sleep 30
done
