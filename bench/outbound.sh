#!/usr/bin/env bash
# Outbound benchmark: starts the built gateway on a fresh database with Bandwidth pointed at the load
# tool's local carrier, warms up in saturated rounds until the send rate is steady and the gateway's JIT compilers
# are done (it reads their CPU time from /proc), then measures POST /v1/messages → carrier (sends/s, added latency
# p50/p99). The saturated runs post with wrk (bench/outbound-sends.lua), cheaper per request than the gateway; the paced
# run with the load tool's Java client, which knows when each request started.
# Usage: bench/outbound.sh [--concurrency N] [--seconds N] [--rate N] [--warmup N] [--max-rounds N] [--wrk-threads N]
#                          [--recipients N] (the saturated runs send to N numbers in turn: fewer, longer conversations)
#                          (JAVA_HOME: a JDK 21+; wrk from Debian, installed when missing)
source "$(dirname "$0")/gateway.sh"
need_wrk
carrier=${BENCH_CARRIER_PORT:-18090}
start_gateway "$(bandwidth_to_local_carrier "$carrier")"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.OutboundLoad \
  --target "http://127.0.0.1:$port" --carrier-port "$carrier" --gateway-pid "$gw" "$@"
