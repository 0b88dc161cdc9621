#!/usr/bin/env bash
# Embedded engine benchmark (issue #19), in-process (no gateway): the inbound write path's SQL (the group
# committer's transaction for N inbound WhatsApp messages, then the workflow's publish-and-delete transaction) on
# H2 as store-jdbc runs it (our URL, CHECKPOINT SYNC after each commit) and on SQLite (WAL, synchronous=FULL), one
# writer thread, group sizes 1, 8 and 60. Prints a Markdown table: messages/s, CPU µs per message, file size.
# Then the same on the newest H2 (BENCH_H2_NEXT, default 2.5.252, when its jar is in ~/.m2), and whether that H2
# opens a file the current one wrote. Builds nothing: run `bin/omni bench engines`, or build first.
# Usage: bench/engines.sh [--groups 1,8,60] [--messages N] [--single N] [--rounds N]
#        (JAVA_HOME: a JDK 21+; BENCH_MAVEN_FLAGS e.g. -o for Maven offline; BENCH_DIR where the databases go,
#         default bench/target/engines: the same file system for every engine)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f bench/target/omniservice-bench.jar ] && compgen -G "media/target/omniservice-media-*.jar" >/dev/null \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Maven names the classpath only; nothing is compiled (maven.main.skip): with the "compile" phase in the session,
# Maven 3.8 resolves the reactor's modules to their target/classes without an installed jar. The module that runs
# last (bench) writes the file.
mvn -q -B -ntp ${BENCH_MAVEN_FLAGS:-} -pl bench -am -Dspotless.check.skip=true -Denforcer.skip=true \
  -Dmaven.main.skip=true -Dmaven.resources.skip=true compile dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/classpath"
jars=$(cat "$work/classpath")
dir="${BENCH_DIR:-bench/target/engines}"
run() { "$JAVA" -Xms256m -Xmx1g -Dslf4j.internal.verbosity=ERROR ${BENCH_JVM_FLAGS:-} -cp "$1" io.omniservice.bench.EmbeddedEngines "${@:2}"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run "bench/target/omniservice-bench.jar:$jars" --dir "$dir" --keep "$work/h2-current" "$@"

next="${BENCH_H2_NEXT:-2.5.252}"
next_jar="$HOME/.m2/repository/com/h2database/h2/$next/h2-$next.jar"
if [ -f "$next_jar" ]; then
  # the same class on a classpath whose H2 is the newer one
  other=$(tr ':' '\n' <<<"$jars" | grep -v '/com/h2database/h2/' | paste -sd:)
  echo
  run "bench/target/omniservice-bench.jar:$next_jar:$other" --engines h2 --dir "$dir" "$@"
  echo
  run "bench/target/omniservice-bench.jar:$next_jar:$other" --open "$work/h2-current" \
    || echo "(so an upgrade needs an export and import of existing files: SCRIPT TO with the old jar, RUNSCRIPT FROM with the new)"
else
  echo "(H2 $next: no jar at $next_jar; fetch it with: mvn dependency:get -Dartifact=com.h2database:h2:$next)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
