#!/usr/bin/env bash
# Soak: one gateway on a fresh database takes signed WhatsApp webhooks from wrk at a steady rate for --minutes, each
# one delivered as message.received to a subscriber (bench's EventLatency, one process reporting each minute), and
# after every minute this prints the webhook → event p99, the heap a full collection leaves, the process's resident memory,
# its open files and threads, and the stored data's size. It fails when a minute lost an event, or when the last
# third of the run is above the first third (after the first minute: warm-up) by more than --tolerance percent in
# heap after GC, RSS, open files or threads — the signature of a leak — or p99 above --max-p99 ms in a minute
# after the first (the first is the JIT's warm-up).
# Usage: bench/soak.sh [--rate 500] [--minutes 30] [--tolerance 20] [--max-p99 250]   (JAVA_HOME: a JDK 21+)
source "$(dirname "$0")/gateway.sh"
need_wrk

rate=500 minutes=30 tolerance=20 max_p99=250
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --tolerance) tolerance=$2; shift 2 ;;
    --max-p99) max_p99=$2; shift 2 ;;
    *) echo "soak: unknown flag $1" >&2; exit 2 ;;
  esac
done
[ "$minutes" -ge 3 ] || { echo "soak: --minutes must be at least 3" >&2; exit 2; }

# On PostgreSQL (BENCH_STORAGE=postgres) the run gets a schema of its own, dropped at the end, and the data's size
# is that schema's tables and indexes.
data_mb() {
  if [ "${BENCH_STORAGE:-embedded}" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) / 1048576.0
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$soak_schema' AND c.relkind = 'r'"
  else
    awk -v k="$(du -sk "$work/data" | cut -f1)" 'BEGIN {print k / 1024}'
  fi
}
if [ "${BENCH_STORAGE:-embedded}" = postgres ] && [ -z "${BENCH_POSTGRES_URL:-}" ]; then
  soak_schema="soak_$$"
  export BENCH_POSTGRES_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$soak_schema"
  after_stop='psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA IF EXISTS $soak_schema CASCADE" >/dev/null 2>&1 || true'
else
  soak_schema=$(sed -n 's/.*currentSchema=\([^&]*\).*/\1/p' <<<"${BENCH_POSTGRES_URL:-}")
  soak_schema=${soak_schema:-public}
fi
start_gateway "$WEBHOOKS_TO_LOCAL_SUBSCRIBER"

samples="$work/samples.tsv"
printf 'minute\tp99_ms\tlost\theap_after_gc_mb\trss_mb\topen_files\tthreads\tdata_mb\n' | tee "$samples"
failed=0 seen=0
# one load process for the whole run (a new one each minute would time its own cold start): it prints a line
# "minute N p99 X ms lost L failed F sent S late T" after each minute, and the gateway is sampled then
while IFS= read -r line; do
  read -r word minute _ p99 _ _ lost _ failures _ <<<"$line"
  if [ "$word" != minute ]; then
    echo "$line" >&2
    continue
  fi
  seen=$((seen + 1))
  # the heap that is live: what a full collection leaves (one a minute costs the run little)
  "${JAVA_HOME}/bin/jcmd" "$gw" GC.run >/dev/null
  heap=$(curl -fs -H "Authorization: Bearer bench-api-key" "http://127.0.0.1:$port/metrics" \
    | awk '/^jvm_memory_used_bytes\{area="heap"/ {n += $NF} END {printf "%d", n}')
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$gw/status")
  files=$(ls "/proc/$gw/fd" | wc -l)
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$gw/status")
  data=$(data_mb)
  printf '%d\t%s\t%s\t%.0f\t%.0f\t%d\t%d\t%.0f\n' "$minute" "${p99:-NaN}" "${lost:-?}" \
    "$(awk -v b="${heap:-0}" 'BEGIN {print b / 1048576}')" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
    "$files" "$threads" "$data" | tee -a "$samples"
  [ "$lost" = 0 ] && [ "$failures" = 0 ] \
    || { echo "soak: minute $minute lost $lost events and $failures webhooks failed" >&2; failed=1; }
done < <("$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency \
  --target "http://127.0.0.1:$port" --subscriber-port "${BENCH_SUBSCRIBER_PORT:-18091}" \
  --rate "$rate" --minutes "$minutes" --max-rounds 0 --drain 5 2>&1)
[ "$seen" = "$minutes" ] || { echo "soak: the load tool reported $seen of $minutes minutes" >&2; failed=1; }

# first third (after minute 1) against the last third, column by column
awk -F'\t' -v n="$minutes" -v tol="$tolerance" -v maxp99="$max_p99" '
  NR == 1 {for (i = 1; i <= NF; i++) name[i] = $i; next}
  { m = $1; third = int(n / 3) }
  m >= 2 && m <= 1 + third { for (i = 4; i <= 7; i++) first[i] += $i; nf++ }
  m > n - third { for (i = 4; i <= 7; i++) last[i] += $i; nl++ }
  m >= 2 && $2 + 0 > maxp99 { slow++ }
  END {
    bad = 0
    printf "\nsoak: %d minutes; first third (after minute 1) against the last third:\n", n
    for (i = 4; i <= 7; i++) {
      a = first[i] / nf; b = last[i] / nl
      grew = a > 0 ? 100 * (b - a) / a : 0
      printf "  %-18s %8.1f -> %8.1f  (%+.1f %%)\n", name[i], a, b, grew
      if (grew > tol) bad = 1
    }
    printf "  minutes with p99 over %d ms (after minute 1): %d\n", maxp99, slow
    exit bad || slow > 0
  }' "$samples" || failed=1
exit "$failed"
