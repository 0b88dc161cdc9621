# Sourced by the bench scripts: checks the build, then `start_gateway <carriers and extra YAML>` writes a
# config for a fresh database (BENCH_STORAGE embedded|postgres, BENCH_ENGINE h2|sqlite for embedded,
# BENCH_POSTGRES_URL), starts the built jar
# on BENCH_PORT (18080) with BENCH_JVM_FLAGS, waits until it is ready, and stops it when the script exits.
# BENCH_JAR runs another build of the gateway (an earlier commit's, to compare in the same conditions).
# Sets: JAVA, port, work (the temporary directory; the gateway's log is $work/gateway.log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
jar=${BENCH_JAR:-server/target/omniservice.jar}
[ -f "$jar" ] && [ -f bench/target/omniservice-bench.jar ] \
  || { echo "bench: build first (bin/omni bench does)" >&2; exit 1; }
work=$(mktemp -d); port=${BENCH_PORT:-18080}; gw=""
# (set -e holds in the trap too: a failing command there would skip the rm)
# BENCH_LOG names a file to keep the gateway's log in.
# after_stop: what a script adds to run once the gateway stopped.
after_stop=""
trap 'if [ -n "$gw" ]; then kill "$gw" 2>/dev/null || true; wait "$gw" 2>/dev/null || true; fi; [ -z "${BENCH_LOG:-}" ] || cp "$work/gateway.log" "$BENCH_LOG" 2>/dev/null || true; rm -rf "$work"; eval "$after_stop"' EXIT

# wrk, the load generator in C (Debian's package), installed when missing.
need_wrk() {
  command -v wrk >/dev/null 2>&1 && return
  echo "bench: installing wrk (Debian)" >&2
  apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "bench: wrk is missing and could not be installed (apt-get install wrk)" >&2; exit 1; }
}

start_gateway() {
  cat > "$work/omniservice.yaml" <<YAML
server:
  port: $port
  publicBaseUrl: http://127.0.0.1:$port
storage:
  mode: ${BENCH_STORAGE:-embedded}
  embedded:
    path: $work/data${BENCH_ENGINE:+
    engine: $BENCH_ENGINE}
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
$1
YAML
  "$JAVA" -Xms1g -Xmx1g ${BENCH_JVM_FLAGS:-} -jar "$jar" --config "$work/omniservice.yaml" \
    >"$work/gateway.log" 2>&1 &
  gw=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/gateway.log"; exit 1; }
}

# The gateway of the event benches: signed Twilio (the Java load tool's) and WhatsApp (wrk's) webhooks in,
# events out to the load tool's subscriber on this machine (a loopback address, refused unless allowed).
WEBHOOKS_TO_LOCAL_SUBSCRIBER="carriers:
  twilio:
    default:
      accountSid: AC00000000000000000000000000000000
      authToken: bench-twilio-auth-token
  whatsapp:
    default:
      appSecret: bench-whatsapp-app-secret
      verifyToken: bench-verify-token
outbound:
  callbacks:
    allowedNetworks: [127.0.0.1/32]"

# The gateway of the outbound benches: Bandwidth pointed at the load tool's carrier on this machine's <port>,
# one node id, a deep in-flight window; a caller may add more outbound settings after it.
bandwidth_to_local_carrier() { # <port>
  cat <<YAML
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
      apiBaseUrl: http://127.0.0.1:$1
outbound:
  nodeId: bench
  maxInFlight: 512
YAML
}
