#!/usr/bin/env bash
# Scale-out benchmark: the same load against 1, 2 and 3 gateway nodes on one PostgreSQL database, behind
# nginx with the shipped deploy/nginx/omniservice.conf (only its node list and listen line replaced). For each
# node count: a fresh schema (bench_scaleout_<n>), the nodes (ports BENCH_PORT+1.., node ids bench-node-<i>),
# nginx on BENCH_PORT (18080); a warm-up (--warmup seconds per node), then wrk posts pre-signed WhatsApp webhooks (each message id once,
# senders from a pool) through nginx. Reported per node count: webhooks/s, latency, non-2xx, messages stored
# against webhooks answered 2xx, and the CPU time of the gateways, PostgreSQL, nginx and wrk per stored
# message, from /proc over the load and until the nodes have worked off what it queued (the outbox). As a
# ceiling, once: GET /health/live from one node directly and through nginx, each warmed up first. On two cores
# throughput cannot grow with nodes; CPU per message shows what each node added costs.
# Usage: bench/scaleout.sh [--nodes "1 2 3"] [--threads 2] [--connections 64] [--seconds 10]
#                          [--warmup 10 (seconds per node)] [--requests 200000] [--senders 5000]
# Needs: JAVA_HOME (a JDK 21+), the built jars (bin/omni bench scaleout builds them), wrk, nginx, psql, and
# PostgreSQL on this machine (BENCH_POSTGRES_URL, default jdbc:postgresql://127.0.0.1:5432/test, user
# postgres without a password): its CPU is read from the postgres processes here, leaving out the
# connections of other clients (the script says when there are some: they still share the cores).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+ (bin/omni bench does)}/bin/java"
[ -f server/target/omniservice.jar ] && [ -f bench/target/omniservice-bench.jar ] \
  || { echo "scaleout: build first (bin/omni bench scaleout does)" >&2; exit 1; }
NGINX=${BENCH_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
for tool in wrk "$NGINX" psql pgrep; do
  command -v "$tool" >/dev/null 2>&1 || { echo "scaleout: $tool is missing (Debian: apt-get install wrk nginx postgresql-client procps)" >&2; exit 1; }
done

node_counts="1 2 3"; threads=2; connections=64; seconds=10; warmup=10; requests=200000; senders=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) node_counts=$2 ;;
    --threads) threads=$2 ;;
    --connections) connections=$2 ;;
    --seconds) seconds=$2 ;;
    --warmup) warmup=$2 ;;
    --requests) requests=$2 ;;
    --senders) senders=$2 ;;
    *) echo "usage: bench/scaleout.sh [--nodes \"1 2 3\"] [--threads N] [--connections N] [--seconds N] [--warmup N] [--requests N] [--senders N]" >&2; exit 2 ;;
  esac
  [ $# -ge 2 ] || { echo "scaleout: $1 needs a value" >&2; exit 2; }
  shift 2
done

jdbc=${BENCH_POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test}
[[ $jdbc =~ ^jdbc:postgresql://([^:/?]+)(:([0-9]+))?/([^?]+) ]] \
  || { echo "scaleout: cannot read host and database from $jdbc" >&2; exit 1; }
pg_host=${BASH_REMATCH[1]}
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -h "$pg_host" -p "${BASH_REMATCH[3]:-5432}" -U postgres -d "${BASH_REMATCH[4]}")
sql() { PGOPTIONS='--client-min-messages=warning' "${PSQL[@]}" -c "$1"; }
sql "select 1" >/dev/null || { echo "scaleout: PostgreSQL does not answer at $jdbc" >&2; exit 1; }

port=${BENCH_PORT:-18080}
secret=bench-whatsapp-app-secret
metrics_token=bench-scaleout-metrics-token
work=$(mktemp -d)
nodes=(); nginx_pid=""; wrk_pid=""; schemas=()

stop_all() { # nginx first, so that the nodes' connections from it close and they stop at once
  local pid
  [ -z "$wrk_pid" ] || kill "$(cat "$work/wrk.pid" 2>/dev/null)" "$wrk_pid" 2>/dev/null || true
  for pid in ${nginx_pid:+"$nginx_pid"} "${nodes[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in ${wrk_pid:+"$wrk_pid"} ${nginx_pid:+"$nginx_pid"} "${nodes[@]}"; do wait "$pid" 2>/dev/null || true; done
  nodes=(); nginx_pid=""; wrk_pid=""
}
cleanup() {
  stop_all
  local schema
  for schema in "${schemas[@]}"; do sql "drop schema if exists $schema cascade" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "scaleout: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# Sets TICKS to the CPU clock ticks (utime + stime) the given processes have used, summed; a process gone
# counts 0. No forks: a snapshot of all the processes takes a few milliseconds even on busy cores.
ticks() {
  local pid stat fields
  TICKS=0
  for pid in "$@"; do
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || continue
    read -r -a fields <<<"${stat##*) }" # after "pid (comm) ": state is fields[0], utime [11], stime [12]
    TICKS=$((TICKS + fields[11] + fields[12]))
  done
}
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid" || true); }
# PostgreSQL's processes on this machine but the connections of other clients (tests running beside): the
# postmaster, its background writers and this run's connections, which name the schema as application_name.
postgres_pids() { # <schema>
  local others
  others=" $(sql "select pid from pg_stat_activity where backend_type = 'client backend' and application_name <> '$1'" | tr '\n' ' ') "
  local pid
  for pid in $(pgrep -x postgres); do [[ $others == *" $pid "* ]] || echo "$pid"; done
}
hz=$(getconf CLK_TCK)

# Blocks until every node and nginx answer /health/ready.
wait_ready() {
  local url
  for url in "$@"; do
    for _ in $(seq 1 150); do curl -fs "$url/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -fs "$url/health/ready" >/dev/null || { echo "scaleout: $url is not ready; logs in $work:" >&2; tail -n 30 "$work"/*.log >&2; exit 1; }
  done
}

start_node() { # <i> <schema>
  local i=$1 schema=$2 node_port=$((port + $1)) separator='?'
  [[ $jdbc == *\?* ]] && separator='&'
  cat >"$work/node-$i.yaml" <<YAML
server:
  port: $node_port
  publicBaseUrl: http://127.0.0.1:$port
  metrics:
    token: $metrics_token
  # every connection comes from nginx or wrk on this machine: the per-address limit raised as far as it goes
  maxConnections: 1000000
  maxConnectionsPerAddress: 1000000
storage:
  mode: postgres
  postgres:
    jdbcUrl: "$jdbc${separator}currentSchema=$schema&ApplicationName=$schema"
    username: postgres
    password: ""
    poolSize: 8
api:
  keys:
    - name: bench
      key: bench-api-key
  rateLimit: {requestsPerSecond: 1000000, burst: 1000000}
outbound:
  nodeId: bench-node-$i
media:
  directory: $work/media-$i
carriers:
  whatsapp:
    default:
      appSecret: $secret
      verifyToken: bench-verify-token
YAML
  "$JAVA" -Xms1g -Xmx1g ${BENCH_JVM_FLAGS:-} -jar server/target/omniservice.jar --config "$work/node-$i.yaml" \
    >"$work/node-$i.log" 2>&1 &
  nodes+=($!)
}

# The shipped nginx configuration with this run's nodes (keeping the shipped server parameters) and port.
start_nginx() { # <node count>
  local dir="$work/nginx" n=$1 line skip=0 found=0 params i
  rm -rf "$dir"; mkdir -p "$dir"
  params=$(sed -n '/# nodes:begin/,/# nodes:end/{s/^ *server  *[^ ;]*//p}' deploy/nginx/omniservice.conf | head -n1)
  while IFS= read -r line; do
    case "$line" in
      *"# nodes:begin"*)
        echo "$line"; skip=1; found=$((found + 1))
        for i in $(seq 1 "$n"); do echo "    server 127.0.0.1:$((port + i))${params:-;}"; done ;;
      *"# listen:begin"*)
        echo "$line"; skip=1; found=$((found + 1))
        echo "    listen 127.0.0.1:$port;" ;;
      *"# nodes:end"* | *"# listen:end"*) echo "$line"; skip=0 ;;
      *) [ "$skip" = 1 ] || echo "$line" ;;
    esac
  done <deploy/nginx/omniservice.conf >"$dir/omniservice.conf"
  [ "$found" = 2 ] || { echo "scaleout: deploy/nginx/omniservice.conf lacks its nodes:/listen: markers" >&2; exit 1; }
  # as root, workers would run as nobody, who cannot enter the temporary directory
  { [ "$(id -u)" = 0 ] && echo "user root;"
    cat <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {}
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/omniservice.conf;
}
CONF
  } >"$dir/nginx.conf"
  "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
  nginx_pid=$!
}

# Waits until the nodes have worked off the outbox (change_events) and the stored count holds still.
drain() { # <schema>
  local last=-1 now pending
  for _ in $(seq 1 600); do
    read -r now pending < <(sql "select (select count(*) from $1.messages), (select count(*) from $1.change_events)" | tr '|' ' ')
    [ "$pending" = 0 ] && [ "$now" = "$last" ] && return 0
    last=$now; sleep 0.25
  done
  echo "scaleout: $1.change_events did not empty within 150 s ($pending left)" >&2
}

# wrk's requests/s for a plain GET, after as long a run to warm that path up (so far only webhooks warmed
# the JIT); says so when some requests failed.
ceiling() {
  local out
  wrk -t"$threads" -c"$connections" -d"${warmup}s" "$1" >/dev/null
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" "$1")
  grep -E 'Non-2xx|Socket errors' <<<"$out" | sed "s|^ *|scaleout: ceiling $1: |" >&2 || true
  sed -n 's/^Requests\/sec: *//p' <<<"$out"
}

# Sets SNAPSHOT to the CPU ticks so far of: the gateways, PostgreSQL (<pg pids>), nginx (<nginx pids>), the
# whole machine (/proc/stat, all but idle and iowait), then each node, and the time in microseconds.
snapshot() { # "<pg pids>" "<nginx pids>"
  local node cpu user nice system idle iowait irq softirq steal
  SNAPSHOT=()
  ticks "${nodes[@]}"; SNAPSHOT+=("$TICKS")
  ticks $1; SNAPSHOT+=("$TICKS")
  ticks $2; SNAPSHOT+=("$TICKS")
  read -r cpu user nice system idle iowait irq softirq steal _ </proc/stat
  SNAPSHOT+=($((user + nice + system + irq + softirq + steal)))
  for node in "${nodes[@]}"; do ticks "$node"; SNAPSHOT+=("$TICKS"); done
  SNAPSHOT+=("${EPOCHREALTIME/./}")
}

# One wrk run of <seconds> of the signed webhooks in <file> against nginx; writes wrk's output to <out>.
# With <cpu>, writes there the CPU ticks used from the moment every wrk thread sends until the outbox is
# drained: gateways, PostgreSQL, nginx, wrk, the machine, the window in ms, then each node's.
load() { # <seconds> <file> <out> <schema> [<cpu>]
  local duration=$1 file=$2 out=$3 schema=$4 cpu=${5:-} ready="$work/ready" pg ng wrk_start before i
  rm -f "$ready" "$work/wrk.end" "$work/wrk.pid"
  pg=$(postgres_pids "$schema"); ng=$(nginx_pids) # before wrk starts: the snapshot must come at once
  ( wrk -t"$threads" -c"$connections" -d"${duration}s" -s bench/whatsapp-webhooks.lua "http://127.0.0.1:$port" \
      -- "$file" "$threads" "$ready" >"$out" 2>"$out.err" &
    echo $! >"$work/wrk.pid"; wait $! || true
    read -r stat </proc/$BASHPID/stat; read -r -a f <<<"${stat##*) }"
    echo $((f[13] + f[14])) >"$work/wrk.end" ) & # wrk's whole CPU, from this subshell's reaped children
  wrk_pid=$!
  for _ in $(seq 1 1200); do [ -e "$ready" ] && break; sleep 0.05; done
  [ -e "$ready" ] || { echo "scaleout: wrk did not start; $(cat "$out.err")" >&2; exit 1; }
  if [ -n "$cpu" ]; then
    ticks "$(<"$work/wrk.pid")"; wrk_start=$TICKS
    snapshot "$pg" "$ng"; before=("${SNAPSHOT[@]}")
    kill -0 "$(<"$work/wrk.pid")" 2>/dev/null || { echo "scaleout: wrk ended before its CPU was read" >&2; exit 1; }
  fi
  wait "$wrk_pid"; wrk_pid=""
  drain "$schema"
  [ ! -s "$out.err" ] || sed 's/^/  wrk: /' "$out.err" >&2
  [ -n "$cpu" ] || return 0
  pg=$(postgres_pids "$schema")
  snapshot "$pg" "$ng"
  {
    echo "$((SNAPSHOT[0] - before[0])) $((SNAPSHOT[1] - before[1])) $((SNAPSHOT[2] - before[2]))" \
      "$(($(<"$work/wrk.end") - wrk_start)) $((SNAPSHOT[3] - before[3])) $(((SNAPSHOT[-1] - before[-1]) / 1000))"
    for ((i = 4; i < ${#before[@]} - 1; i++)); do echo $((SNAPSHOT[i] - before[i])); done
  } >"$cpu"
}

webhook_count() { # <node port>: webhooks this node answered 200 (accepted or duplicate)
  curl -fs -H "Authorization: Bearer $metrics_token" "http://127.0.0.1:$1/metrics" \
    | awk '/^omniservice_webhooks_total\{carrier="whatsapp",outcome="(accepted|duplicate)"\}/ {n += $2} END {printf "%d", n}'
}

foreign_clients() { # client backends that are not this run's, nor this psql
  sql "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and application_name <> '$1'"
}

echo "scaleout: signing $requests WhatsApp webhooks for the load and $((requests / 2)) for the warm-up ($senders senders)"
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.SignedWhatsAppRequests \
  --out "$work/load.txt" --count "$requests" --senders "$senders" --tag load --whatsapp-app-secret "$secret" >/dev/null
"$JAVA" -cp bench/target/omniservice-bench.jar io.omniservice.bench.SignedWhatsAppRequests \
  --out "$work/warmup.txt" --count $((requests / 2)) --senders "$senders" --tag warmup --whatsapp-app-secret "$secret" >/dev/null

results=(); ceiling_line=""; failed=0
for n in $node_counts; do
  schema=bench_scaleout_$n; schemas+=("$schema")
  sql "drop schema if exists $schema cascade; create schema $schema"
  start_node 1 "$schema"                       # the first node creates the tables
  wait_ready "http://127.0.0.1:$((port + 1))"
  for i in $(seq 2 "$n"); do start_node "$i" "$schema"; done
  start_nginx "$n"
  urls=(); for i in $(seq 1 "$n"); do urls+=("http://127.0.0.1:$((port + i))"); done
  wait_ready "${urls[@]}" "http://127.0.0.1:$port"
  echo "scaleout: $n node(s) ready (pids ${nodes[*]}), nginx $nginx_pid on port $port"

  # each node gets its own JIT warm-up: wrk spreads the same rate over more nodes
  [ "$warmup" = 0 ] || load $((warmup * n)) "$work/warmup.txt" "$work/warmup-$n.out" "$schema"
  if [ -z "$ceiling_line" ]; then # once, on the first node count, after its warm-up
    direct=$(ceiling "http://127.0.0.1:$((port + 1))/health/live")
    proxied=$(ceiling "http://127.0.0.1:$port/health/live")
    ceiling_line=$(awk -v d="$direct" -v p="$proxied" 'BEGIN { printf "ceiling, GET /health/live on one node: %.0f req/s directly, %.0f req/s through nginx (%.0f%%)", d, p, 100 * p / d }')
    echo "scaleout: $ceiling_line"
  fi
  # what the nodes cost with nothing to do (their pollers), over 5 s
  ticks "${nodes[@]}"; idle_start=$TICKS; sleep 5; ticks "${nodes[@]}"
  idle=$(awk -v t=$((TICKS - idle_start)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz / 5 }')
  stored_before=$(sql "select count(*) from $schema.messages")
  counts_before=(); for i in $(seq 1 "$n"); do counts_before+=("$(webhook_count $((port + i)))"); done
  others=$(foreign_clients "$schema")
  [ "$others" = 0 ] || echo "scaleout: $others other connections to PostgreSQL: their backends are left out, but they share its writers and the cores" >&2
  load "$seconds" "$work/load.txt" "$work/load-$n.out" "$schema" "$work/cpu-$n"
  stored=$(($(sql "select count(*) from $schema.messages") - stored_before))
  per_node=""
  { read -r gw pg ng wk machine window_ms; mapfile -t node_ticks; } <"$work/cpu-$n"
  for i in $(seq 1 "$n"); do
    answered=$(($(webhook_count $((port + i))) - counts_before[i - 1]))
    per_node+="node $i: $answered webhooks, $(awk -v t="${node_ticks[i - 1]}" -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }') s CPU; "
  done

  unset w; declare -A w=(); for kv in $(sed -n 's/^webhooks: //p' "$work/load-$n.out"); do w[${kv%%=*}]=${kv#*=}; done
  [ -n "${w[sent]:-}" ] || { echo "scaleout: wrk printed no summary:" >&2; cat "$work/load-$n.out" "$work/load-$n.out.err" >&2; exit 1; }
  ok=$((w[answered] - w[non2xx] - w[spare]))
  errors=$((w[connect] + w[read] + w[write] + w[timeout]))
  if [ "$stored" -eq "$ok" ]; then check="yes"
  elif [ "$stored" -gt "$ok" ] && [ "$stored" -le "${w[sent]}" ]; then check="yes (+$((stored - ok)) sent, unanswered when wrk stopped)"
  elif [ "$stored" -lt "$ok" ]; then check="NO: $((ok - stored)) answered 2xx but not stored"; failed=1
  else check="NO: $((stored - w[sent])) more stored than sent"; failed=1; fi
  [ "${w[spare]}" = 0 ] || { check+=" (ran out of requests: raise --requests)"; failed=1; }
  results+=("$(awk -v n="$n" -v ok="$ok" -v us="${w[micros]}" -v p50="${w[p50us]}" -v p99="${w[p99us]}" \
    -v non2xx="${w[non2xx]}" -v errors="$errors" -v stored="$stored" -v check="$check" \
    -v gw="$gw" -v pg="$pg" -v ng="$ng" -v wk="$wk" -v machine="$machine" -v window="$window_ms" -v hz="$hz" 'BEGIN {
      ms = 1000 / hz / (stored > 0 ? stored : 1); ours = gw + pg + ng + wk; others = machine - ours
      printf "%d|%.0f|%.1f|%.1f|%d|%d|%d|%d|%s|%.3f|%.3f|%.3f|%.3f|%.3f|%.2f|%.2f\n", n, ok / (us / 1e6), p50 / 1000,
        p99 / 1000, ok, non2xx, errors, stored, check, gw * ms, pg * ms, ng * ms, wk * ms, ours * ms,
        ours / hz / (window / 1000), (others > 0 ? others : 0) / hz / (window / 1000) }')|${per_node%; }; idle, the nodes took $idle cores")
  IFS='|' read -r _ rate _ _ _ _ _ _ check _ _ _ _ total _ <<<"${results[-1]}"
  echo "scaleout: $n node(s): $rate webhooks/s, $total ms CPU per stored message, each 2xx stored once: $check"
  stop_all
done

echo
echo "Scale-out: signed WhatsApp webhooks through nginx, wrk -t$threads -c$connections -d${seconds}s after a ${warmup}s warm-up per node," \
  "$(nproc) cores, PostgreSQL at $pg_host"
echo "$ceiling_line"
echo
echo "| nodes | webhooks/s | p50 | p99 | answered 2xx | non-2xx | socket errors | stored | each 2xx stored once |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r n rate p50 p99 ok non2xx errors stored check _ <<<"$r"
  echo "| $n | $rate | $p50 ms | $p99 ms | $ok | $non2xx | $errors | $stored | $check |"
done
echo
echo "CPU milliseconds per stored message, over the load and until the nodes had worked off its outbox:"
echo
echo "| nodes | gateways | PostgreSQL | nginx | wrk | total | cores busy | cores busy with other work |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r n _ _ _ _ _ _ _ _ gw pg ng wk total busy others _ <<<"$r"
  echo "| $n | $gw | $pg | $ng | $wk | $total | $busy | $others |"
  if awk -v o="$others" 'BEGIN { exit !(o > 0.1) }'; then quiet=no; fi
done
[ "${quiet:-yes}" = yes ] || echo "(other processes took a share of the cores: their load skews these numbers; run it on a quiet machine)"
echo
for r in "${results[@]}"; do echo "${r%%|*} node(s): ${r##*|}"; done
exit "$failed"
