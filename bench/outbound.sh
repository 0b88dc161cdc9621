#!/usr/bin/env bash
# Outbound benchmark: starts the built gateway on a fresh database with Bandwidth pointed at the load
# tool's local carrier, then measures POST /v1/messages → carrier (sends/s, added latency p50/p99).
# Usage: bench/outbound.sh [--concurrency N] [--seconds N] [--rate N]   (JAVA_HOME: a JDK 21+)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f server/target/omniservice.jar ] && [ -f bench/target/omniservice-bench.jar ] \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }

work=$(mktemp -d); port=${BENCH_PORT:-18080}; carrier=${BENCH_CARRIER_PORT:-18090}
trap 'kill "$gw" 2>/dev/null; wait "$gw" 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/omniservice.yaml" <<YAML
server:
  port: $port
  publicBaseUrl: http://127.0.0.1:$port
storage:
  mode: ${BENCH_STORAGE:-embedded}
  embedded:
    path: $work/data
  postgres:
    jdbcUrl: ${BENCH_POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test}
    username: postgres
    password: ""
    poolSize: 8
api:
  keys:
    - name: bench
      key: bench-api-key
  rateLimit: {requestsPerSecond: 1000000, burst: 1000000}
carriers:
  bandwidth:
    default:
      callbackUsername: bench-user
      callbackPassword: bench-password
      accountId: "9900000"
      apiUsername: bench-api-user
      apiPassword: bench-api-password
      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
      from: "+14155550198"
      apiBaseUrl: http://127.0.0.1:$carrier
outbound:
  nodeId: bench
  maxInFlight: 512
YAML
"$JAVA" -Xms1g -Xmx1g ${BENCH_JVM_FLAGS:-} -jar server/target/omniservice.jar --config "$work/omniservice.yaml" >"$work/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/gateway.log"; exit 1; }
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.OutboundLoad \
  --target "http://127.0.0.1:$port" --carrier-port "$carrier" "$@"
