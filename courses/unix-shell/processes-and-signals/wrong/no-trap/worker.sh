#!/usr/bin/env bash
# Starts and works fine, but nothing handles the signals.
dir=$1

mkdir -p "$dir/scratch"
echo $$ > "$dir/worker.pid"

while true; do
    echo tick >> "$dir/worker.log"
    sleep 30 &
    wait $!
done
