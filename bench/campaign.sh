#!/usr/bin/env bash
# Campaign benchmark (per-sender pacing): starts the built gateway on a fresh database with pacing on, every
# long code at --mps (default 1) messages per second, Bandwidth pointed at the load tool's local carrier;
# queues a campaign of --messages (10000) over --senders (5) from-numbers and posts a high message to another
# recipient every --high-every-ms (1000) while it drains. Prints the high messages' added latency p50/p99 and
# the most sends of one sender in any one-second window, from the carrier's log.
# Usage: bench/campaign.sh [--messages N] [--senders N] [--mps N] [--high-every-ms N]   (JAVA_HOME: a JDK 21+)
source "$(dirname "$0")/gateway.sh"
carrier=${BENCH_CARRIER_PORT:-18090}
mps=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--mps" ] && mps="${args[$((i + 1))]}"
done
start_gateway "$(bandwidth_to_local_carrier "$carrier")
  pacing:
    enabled: true
    longCode: $mps"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.CampaignLoad \
  --target "http://127.0.0.1:$port" --carrier-port "$carrier" "$@"
