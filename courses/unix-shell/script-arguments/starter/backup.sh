#!/usr/bin/env bash
# Usage: backup.sh [-h] [-v] [-n NAME] SOURCE DEST
# Pack SOURCE into DEST/NAME.tar.gz.

# TODO: options with getopts, checks, usage message, exit codes.
src=$1
dest=$2
tar -czf "$dest/$(basename "$src").tar.gz" "$src"
