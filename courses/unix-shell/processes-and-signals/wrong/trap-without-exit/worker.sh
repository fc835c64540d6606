#!/usr/bin/env bash
# Usage: bash worker.sh DIR
# A worker that cleans up after itself when it gets SIGTERM or SIGINT.
set -u

dir=$1
pidfile="$dir/worker.pid"
scratch="$dir/scratch"
log="$dir/worker.log"

cleanup() {
    rm -f "$pidfile"
    rm -rf "$scratch"
    echo stopped >> "$log"
}
# The trap is in place before anyone can know our pid.
trap cleanup TERM INT

mkdir -p "$scratch"
echo $$ > "$pidfile"

while true; do
    echo tick >> "$log"
    # In the background, so that `wait` returns as soon as a signal arrives.
    sleep 30 &
    wait $!
done
