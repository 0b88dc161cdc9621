#!/usr/bin/env bash
# Inbound benchmark: starts the built gateway on a fresh embedded database, measures GET /health/live
# (the ceiling) and signed Twilio and WhatsApp webhooks with the same load tool, then stops the gateway.
# Usage: bench/run.sh [load-tool flags, e.g. --concurrency 64 --seconds 15]   (JAVA_HOME: a JDK 21+)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f server/target/omniservice.jar ] && [ -f bench/target/omniservice-bench.jar ] \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }

work=$(mktemp -d); port=${BENCH_PORT:-18080}
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
carriers:
  twilio:
    default:
      accountSid: AC00000000000000000000000000000000
      authToken: bench-twilio-auth-token
  whatsapp:
    default:
      appSecret: bench-whatsapp-app-secret
      verifyToken: bench-verify-token
YAML
"$JAVA" -Xms1g -Xmx1g -jar server/target/omniservice.jar --config "$work/omniservice.yaml" >"$work/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/gateway.log"; exit 1; }
"$JAVA" -jar bench/target/omniservice-bench.jar --target "http://127.0.0.1:$port" \
  --twilio-account-sid AC00000000000000000000000000000000 --twilio-auth-token bench-twilio-auth-token \
  --whatsapp-app-secret bench-whatsapp-app-secret "$@"
stored=$(curl -fs -H "Authorization: Bearer bench-api-key" "http://127.0.0.1:$port/metrics" | grep -E '^omniservice_webhooks' | head -5 || true)
[ -n "$stored" ] && echo "$stored"
