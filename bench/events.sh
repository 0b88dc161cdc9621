#!/usr/bin/env bash
# Event benchmark: starts the built gateway on a fresh database, subscribes the load tool's local receiver to
# message.received, posts signed Twilio webhooks at a steady rate and measures webhook → event latency
# (p50/p90/p99/max), lost and duplicate events.
# Usage: bench/events.sh [--rate N] [--seconds N] [--warmup N] [--drain N]   (JAVA_HOME: a JDK 21+)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f server/target/omniservice.jar ] && [ -f bench/target/omniservice-bench.jar ] \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }

work=$(mktemp -d); port=${BENCH_PORT:-18080}; subscriber=${BENCH_SUBSCRIBER_PORT:-18091}
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
  twilio:
    default:
      accountSid: AC00000000000000000000000000000000
      authToken: bench-twilio-auth-token
YAML
"$JAVA" -Xms1g -Xmx1g ${BENCH_JVM_FLAGS:-} -jar server/target/omniservice.jar --config "$work/omniservice.yaml" >"${BENCH_GATEWAY_LOG:-$work/gateway.log}" 2>&1 &
gw=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/gateway.log"; exit 1; }
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.EventLatency \
  --target "http://127.0.0.1:$port" --subscriber-port "$subscriber" \
  --twilio-account-sid AC00000000000000000000000000000000 --twilio-auth-token bench-twilio-auth-token \
  --api-key bench-api-key "$@"
