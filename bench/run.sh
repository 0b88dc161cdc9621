#!/usr/bin/env bash
# Inbound benchmark, measured with wrk (cheaper per request than the gateway, so it measures the gateway): starts
# the built gateway on a fresh database (BENCH_STORAGE embedded|postgres, BENCH_ENGINE h2|sqlite), then in the same run
#   1. warms up with signed WhatsApp webhooks, in rounds, until p99 holds steady (two rounds in a row within 20 %)
#      and the JIT compilers have finished (under 5 % of the gateway's CPU in the last round),
#   2. measures the ceiling, GET /health/live,
#   3. measures signed WhatsApp webhooks (pre-signed, each message id once: every 200 is a new durable commit,
#      then run through the workflow), waits until the workflow has caught up, and checks that every webhook
#      answered 200 was stored,
# and prints webhooks/s, p50, p99, the share of the ceiling, and the gateway's CPU per request in each (from the
# kernel's count of its threads' CPU time, so another process on the machine does not inflate it).
# With --profile FILE, the measured run is also recorded with JFR into FILE and StageProfile prints CPU µs per
# message by stage.
# Usage: bench/run.sh [--threads 2] [--connections 64] [--seconds 10] [--warmup-seconds 5] [--senders 5000]
#                     [--rate-guess 8000] [--profile FILE.jfr]   (JAVA_HOME: a JDK 21+; wrk from Debian, installed when missing)
source "$(dirname "$0")/gateway.sh"

threads=2 connections=64 seconds=10 warmup_seconds=5 senders=5000 rate_guess=8000 max_rounds=16 profile=
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup-seconds) warmup_seconds=$2; shift 2 ;;
    --senders) senders=$2; shift 2 ;;
    --rate-guess) rate_guess=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    *) echo "bench: unknown flag $1" >&2; exit 2 ;;
  esac
done
need_wrk

secret=bench-whatsapp-app-secret
start_gateway "carriers:
  whatsapp:
    default:
      appSecret: $secret
      verifyToken: bench-verify-token"
url="http://127.0.0.1:$port"

# Requests are signed before any clock starts: each file has its own ids, and more than the rate can use.
sign() { # <file> <count> <tag>
  "$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.SignedWhatsAppRequests \
    --out "$1" --count "$2" --senders "$senders" --tag "$3" --whatsapp-app-secret "$secret" >/dev/null
}

# One wrk run of the signed webhooks in <file> for <seconds>; prints wrk's "webhooks:" summary line.
webhooks() { # <seconds> <file> <out>
  wrk -t"$threads" -c"$connections" -d"${1}s" -s bench/whatsapp-webhooks.lua "$url" -- "$2" "$threads" >"$3" 2>"$3.err" || true
  sed -n 's/^webhooks: //p' "$3"
}

field() { # <key> <summary line>
  tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

metric() { # <name>: the sum of a metric's samples
  curl -fs -H "Authorization: Bearer bench-api-key" "$url/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {n += $2} END {printf "%d", n}'
}

accepted_webhooks() { # WhatsApp webhooks answered 200 as new (stored)
  curl -fs -H "Authorization: Bearer bench-api-key" "$url/metrics" \
    | awk '/^omniservice_webhooks_total\{carrier="whatsapp",outcome="accepted"\}/ {n += $2} END {printf "%d", n}'
}

# Waits until the node holds no change event and the feed has caught up: the webhooks stored have run their workflow.
drain() {
  local still=0
  for _ in $(seq 1 300); do
    if [ "$(metric omniservice_events_held)" = 0 ] && [ "$(metric omniservice_events_lag_seconds)" = 0 ]; then
      still=$((still + 1)); [ "$still" -ge 2 ] && return 0
    else
      still=0
    fi
    sleep 0.5
  done
  echo "bench: the workflow did not catch up within 150 s" >&2
}

# The gateway's CPU time in clock ticks (cpu_ticks), or one line per thread, tid, name and ticks (thread_ticks),
# plus the process's as thread 0. Fields 14 and 15 of stat, counted after the parenthesised name.
cpu_ticks() {
  sed 's/.*) //' "/proc/$gw/stat" | awk '{print $12 + $13}'
}
thread_ticks() { # <file>
  { for task in /proc/"$gw"/task/*; do
      printf '%s\t%s\t%s\n' "${task##*/}" "$(cat "$task/comm" 2>/dev/null)" "$(sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done
    printf '0\tprocess\t%s\n' "$(cpu_ticks)"; } >"$1"
}
ticks_per_second=$(getconf CLK_TCK)

# 1. warm-up until p99 holds steady (two rounds in a row within 20 %) and the JIT compilers are done: they used
#    under 5 % of the gateway's CPU in the round (on a busy machine they were seen taking 40 % of a measured
#    run that p99 alone had called warm)
jit_share() { # <threads before> <threads after>: the compiler threads' share of the process's CPU, in percent
  awk -F'\t' 'NR == FNR {before[$1] = $3; next}
    $1 == 0 {all = $3 - before[$1]} $2 ~ /^C[12] CompilerThre/ {jit += $3 - before[$1]}
    END {printf "%d", (all > 0 ? 100 * jit / all : 100)}' "$1" "$2"
}
previous=""; round=0; steady=no
while [ "$round" -lt "$max_rounds" ]; do
  round=$((round + 1))
  sign "$work/warmup-$round.txt" $((rate_guess * warmup_seconds)) "warmup$round"
  thread_ticks "$work/warmup-before"
  summary=$(webhooks "$warmup_seconds" "$work/warmup-$round.txt" "$work/warmup-$round.out")
  [ -n "$summary" ] || { echo "bench: wrk printed no summary:" >&2; cat "$work/warmup-$round.out" "$work/warmup-$round.out.err" >&2; exit 1; }
  p99=$(field p99us "$summary"); rate=$(awk -v a="$(field answered "$summary")" -v us="$(field micros "$summary")" 'BEGIN {printf "%.0f", a / (us / 1e6)}')
  drain
  thread_ticks "$work/warmup-after"
  jit=$(jit_share "$work/warmup-before" "$work/warmup-after")
  if [ "$(field spare "$summary")" != 0 ]; then
    # the round ran out of signed requests: its rate is wrk waiting, not the gateway; sign twice as many next
    echo "bench: warm-up round $round: ran out of signed requests at $rate webhooks/s; doubling the rate guess"
    rate_guess=$((rate_guess * 2)); previous=""; continue
  fi
  echo "bench: warm-up round $round: $rate webhooks/s, p99 $((p99 / 1000)) ms, JIT $jit % of the gateway's CPU"
  # the measured run gets twice what the last round reached, so it cannot run out either
  rate_guess=$((rate * 2 > rate_guess ? rate * 2 : rate_guess))
  if [ "$jit" -lt 5 ] && [ -n "$previous" ] && awk -v a="$previous" -v b="$p99" 'BEGIN {exit !(b <= a * 1.2 && b >= a / 1.2)}'; then
    steady=yes; break
  fi
  previous=$p99
done
[ "$steady" = yes ] || echo "bench: p99 or the JIT still moved after $max_rounds warm-up rounds; measuring anyway" >&2

# 2. the ceiling, warmed up by a run as long as the measured one
wrk -t"$threads" -c"$connections" -d"${warmup_seconds}s" "$url/health/live" >/dev/null
ceiling_cpu=$(cpu_ticks)
ceiling_out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$url/health/live")
ceiling_cpu=$(($(cpu_ticks) - ceiling_cpu))
ceiling=$(sed -n 's/^Requests\/sec: *//p' <<<"$ceiling_out")
ceiling_p99=$(awk '$1 == "99%" {print $2}' <<<"$ceiling_out")
grep -E 'Non-2xx|Socket errors' <<<"$ceiling_out" | sed 's/^ */bench: ceiling: /' >&2 || true

# 3. the measured run
sign "$work/load.txt" $((rate_guess * seconds)) load
accepted_before=$(accepted_webhooks)
if [ -n "$profile" ]; then
  "${JAVA_HOME}/bin/jcmd" "$gw" JFR.start name=stages filename="$profile" settings=profile \
    jdk.CPUTimeSample#enabled=true jdk.CPUTimeSample#throttle=10ms >/dev/null 2>&1 \
    || "${JAVA_HOME}/bin/jcmd" "$gw" JFR.start name=stages filename="$profile" settings=profile >/dev/null
fi
thread_ticks "$work/threads-before"
summary=$(webhooks "$seconds" "$work/load.txt" "$work/load.out")
[ -n "$summary" ] || { echo "bench: wrk printed no summary:" >&2; cat "$work/load.out" "$work/load.out.err" >&2; exit 1; }
drain
thread_ticks "$work/threads-after"
[ -n "$profile" ] && "${JAVA_HOME}/bin/jcmd" "$gw" JFR.stop name=stages >/dev/null
accepted=$(($(accepted_webhooks) - accepted_before))
load_cpu=$(($(awk -F'\t' '$1 == 0 {print $3}' "$work/threads-after") - $(awk -F'\t' '$1 == 0 {print $3}' "$work/threads-before")))
answered=$(field answered "$summary"); non2xx=$(field non2xx "$summary"); spare=$(field spare "$summary")
ok=$((answered - non2xx - spare))
errors=$(($(field connect "$summary") + $(field read "$summary") + $(field write "$summary") + $(field timeout "$summary")))
if [ "$spare" != 0 ]; then
  # wrk's clock ran on after the requests did: a rate computed from it would be the bench's, not the gateway's
  echo "bench: wrk ran out of signed requests in the measured run; its rate would be wrong: raise --rate-guess" >&2
  exit 1
fi
if [ "$accepted" -ge "$ok" ]; then check="yes"; else check="NO: $((ok - accepted)) answered 200 but not counted as stored"; fi

storage=${BENCH_STORAGE:-embedded}
[ "$storage" != embedded ] || storage="embedded ${BENCH_ENGINE:-h2}"
awk -v storage="$storage" -v ceiling="$ceiling" -v cp99="$ceiling_p99" -v ok="$ok" \
    -v us="$(field micros "$summary")" -v p50="$(field p50us "$summary")" -v p99="$(field p99us "$summary")" \
    -v non2xx="$non2xx" -v errors="$errors" -v check="$check" -v t="$threads" -v c="$connections" -v s="$seconds" \
    -v cores="$(nproc)" -v hz="$ticks_per_second" -v ccpu="$ceiling_cpu" -v lcpu="$load_cpu" \
    -v creqs="$(awk -v r="$ceiling" -v s="$seconds" 'BEGIN {printf "%d", r * s}')" 'BEGIN {
  rate = ok / (us / 1e6)
  printf "\nInbound, %s store, wrk -t%d -c%d -d%ds on %d cores (wrk and the gateway on the same machine)\n", storage, t, c, s, cores
  printf "| scenario | req/s | p50 | p99 | share of the ceiling | gateway CPU per request |\n|---|---|---|---|---|---|\n"
  printf "| GET /health/live (ceiling) | %.0f | | %s | | %.0f µs |\n", ceiling, cp99, 1e6 * ccpu / hz / creqs
  printf "| signed WhatsApp webhooks, stored, then processed | %.0f | %.1f ms | %.1f ms | %.1f %% | %.0f µs |\n", rate, p50 / 1000, p99 / 1000, 100 * rate / ceiling, 1e6 * lcpu / hz / ok
  printf "non-2xx %d, socket errors %d, every 200 stored: %s\n", non2xx, errors, check
}'
if [ -n "$profile" ]; then
  "$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.StageProfile --jfr "$profile" \
    --before "$work/threads-before" --after "$work/threads-after" --messages "$accepted" --ticks-per-second "$ticks_per_second"
fi
[ "${check%%:*}" = yes ]
