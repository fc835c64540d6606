#!/usr/bin/env bash
# Usage: rename-ext.sh FROM TO [DIR]
echo "not yet"
