#!/usr/bin/env bash
# Inbound benchmark: starts the built gateway on a fresh embedded database, measures GET /health/live
# (the ceiling) and signed Twilio and WhatsApp webhooks with the same load tool, then stops the gateway.
# Usage: bench/run.sh [load-tool flags, e.g. --concurrency 64 --seconds 15]   (JAVA_HOME: a JDK 21+)
source "$(dirname "$0")/gateway.sh"
start_gateway "carriers:
  twilio:
    default:
      accountSid: AC00000000000000000000000000000000
      authToken: bench-twilio-auth-token
  whatsapp:
    default:
      appSecret: bench-whatsapp-app-secret
      verifyToken: bench-verify-token"
"$JAVA" -jar bench/target/omniservice-bench.jar --target "http://127.0.0.1:$port" \
  --twilio-account-sid AC00000000000000000000000000000000 --twilio-auth-token bench-twilio-auth-token \
  --whatsapp-app-secret bench-whatsapp-app-secret "$@"
stored=$(curl -fs -H "Authorization: Bearer bench-api-key" "http://127.0.0.1:$port/metrics" | grep -E '^omniservice_webhooks' | head -5 || true)
[ -n "$stored" ] && echo "$stored"
