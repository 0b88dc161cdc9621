#!/usr/bin/env bash
# Event benchmark: starts the built gateway on a fresh database, subscribes the load tool's local receiver to
# message.received, posts signed Twilio webhooks at a steady rate and measures webhook → event latency
# (p50/p90/p99/max), lost and duplicate events.
# Usage: bench/events.sh [--rate N] [--seconds N] [--warmup N] [--drain N]   (JAVA_HOME: a JDK 21+)
source "$(dirname "$0")/gateway.sh"
subscriber=${BENCH_SUBSCRIBER_PORT:-18091}
start_gateway "$TWILIO_TO_LOCAL_SUBSCRIBER"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency \
  --target "http://127.0.0.1:$port" --subscriber-port "$subscriber" \
  --twilio-account-sid AC00000000000000000000000000000000 --twilio-auth-token bench-twilio-auth-token \
  --api-key bench-api-key "$@"
