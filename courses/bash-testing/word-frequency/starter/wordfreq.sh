#!/usr/bin/env bash
# Print the N (default 3) most frequent words of standard input as "COUNT WORD".
cat
