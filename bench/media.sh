#!/usr/bin/env bash
# Media benchmark, in-process (no gateway): thumbnails a burst of large JPEGs with the ImageConverter from several
# threads in a small heap (BENCH_HEAP, default 256m) and reports thumbnails/s, p50/p99 and the heap it took, then
# fits one 6000×4000 photo into a 5 MB JPEG, and prepares that photo for 200 sends (a campaign) through GatewayMedia.
# Usage: bench/media.sh [--images N] [--threads N] [--width N] [--max-concurrent N] [--fit-bytes N]
#        (JAVA_HOME: a JDK 21+; BENCH_MAVEN_FLAGS e.g. -o for Maven offline)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f bench/target/omniservice-bench.jar ] && compgen -G "media/target/omniservice-media-*.jar" >/dev/null \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }
classpath=$(mktemp)
trap 'rm -f "$classpath"' EXIT
mvn -q -B -ntp ${BENCH_MAVEN_FLAGS:-} -pl media,bench dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$classpath"
# Maven may name an older omniservice jar installed in ~/.m2: use the one this tree built instead
jars=$(tr ':' '\n' < "$classpath" | while read -r jar; do
  name=$(basename "$jar"); module=$(sed -nE 's/^omniservice-(.*)-[0-9]+\..*\.jar$/\1/p' <<<"$name")
  if [ -n "$module" ] && [ -f "$module/target/$name" ]; then echo "$module/target/$name"; else echo "$jar"; fi
done | paste -sd:)
"$JAVA" -Xms64m -Xmx"${BENCH_HEAP:-256m}" ${BENCH_JVM_FLAGS:-} \
  -cp "bench/target/omniservice-bench.jar:$jars" io.omniservice.bench.ThumbnailBench "$@"
