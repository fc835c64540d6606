#!/usr/bin/env bash
# Greet the person named by the first argument (World when there is none).
name="${1:-World}"
echo "Hello, ${name}!"
