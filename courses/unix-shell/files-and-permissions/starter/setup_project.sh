#!/usr/bin/env bash
# Usage: bash setup_project.sh DIR
# Create the project skeleton described in the task, with exact modes.

echo "setup_project.sh: not written yet" >&2
exit 1
