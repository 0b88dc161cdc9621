#!/usr/bin/env bash
# Event benchmark: starts the built gateway on a fresh database, subscribes the load tool's local receiver to
# message.received, posts signed webhooks at a steady rate (wrk by default: WhatsApp webhooks, signed as they
# go, each carrying its send time; --load java: Twilio webhooks from the Java tool) and measures webhook → event
# latency (p50/p90/p99/max), lost and duplicate events, after warm-up rounds until p99 is steady.
# Usage: bench/events.sh [--rate N] [--seconds N] [--drain N] [--round-seconds N] [--min-rounds N] [--max-rounds N]
#                        [--load wrk|java] [--warmup N (java)]   (JAVA_HOME: a JDK 21+; wrk from Debian)
source "$(dirname "$0")/gateway.sh"
subscriber=${BENCH_SUBSCRIBER_PORT:-18091}
need_wrk
start_gateway "$WEBHOOKS_TO_LOCAL_SUBSCRIBER"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency \
  --target "http://127.0.0.1:$port" --subscriber-port "$subscriber" \
  --twilio-account-sid AC00000000000000000000000000000000 --twilio-auth-token bench-twilio-auth-token \
  --api-key bench-api-key "$@"
