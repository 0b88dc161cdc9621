#!/usr/bin/env bash
# Outbound benchmark: starts the built gateway on a fresh database with Bandwidth pointed at the load
# tool's local carrier, warms up in saturated rounds until the send rate is steady and the gateway's JIT compilers
# are done (it reads their CPU time from /proc), then measures POST /v1/messages → carrier (sends/s, added latency
# p50/p99).
# Usage: bench/outbound.sh [--concurrency N] [--seconds N] [--rate N] [--warmup N] [--max-rounds N]
#                          (JAVA_HOME: a JDK 21+)
source "$(dirname "$0")/gateway.sh"
carrier=${BENCH_CARRIER_PORT:-18090}
start_gateway "$(bandwidth_to_local_carrier "$carrier")"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.OutboundLoad \
  --target "http://127.0.0.1:$port" --carrier-port "$carrier" --gateway-pid "$gw" "$@"
