#!/usr/bin/env bash
# Resolve the Apache Kafka broker the tests and benchmarks start (kafka/pom.xml)
# into .kafka/lib: the jars and their runtime dependencies, one classpath.
# Maven caches them in ~/.m2, so a second run takes a few seconds and no network.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib="$root/.kafka/lib"

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null; then
    echo "kafka-deps: '$tool' is missing (Debian: apt-get install openjdk-17-jre-headless maven)" >&2
    exit 1
  fi
done

# Copy into a fresh directory and swap it in: a changed Kafka version never
# leaves the old jars on the classpath, and an interrupted run leaves no half set.
rm -rf "$lib.new"
mvn -q -B -Dstyle.color=never -f "$root/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib.new"
rm -rf "$lib"
mv "$lib.new" "$lib"
echo "kafka-deps: $(ls "$lib" | wc -l) jars in .kafka/lib"
