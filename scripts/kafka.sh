#!/usr/bin/env bash
# A real Apache Kafka (from Maven Central, see test/kafka/pom.xml) on 127.0.0.1, in KRaft mode, for
# strom's tests and for trying strom's --bootstrap-server backend by hand.
#
#   scripts/kafka.sh up        one combined broker+controller on 127.0.0.1:19092 (KAFKA_PORT)
#   scripts/kafka.sh ensure    the same, unless that node already runs (safe to call concurrently)
#   scripts/kafka.sh cluster   three combined brokers+controllers on 127.0.0.1:19192-19194
#   scripts/kafka.sh down      stops every node started from this state directory
#   scripts/kafka.sh start N   (re)starts node N of the cluster after a kill (keeps its data)
#   scripts/kafka.sh status    the nodes and whether their processes live
#   scripts/kafka.sh classpath prints the classpath (resolved once by Maven, then cached)
#   scripts/kafka.sh run CLASS ARGS...   runs one of Kafka's main classes ($KAFKA_RUN_JVM_OPTS: JVM flags), e.g.
#       scripts/kafka.sh run org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list
#
# State (data, logs, pid files) lives under $KAFKA_STATE (default /tmp/strom-kafka). Readiness is
# polled (the broker's own "started" line, then its listener), never a fixed sleep.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/test/kafka/pom.xml"
STATE="${KAFKA_STATE:-/tmp/strom-kafka}"
HEAP="${KAFKA_HEAP:-512m}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/strom-kafka"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-120}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

classpath() {
  command -v java >/dev/null || die "java not found: Kafka 4.x needs Java 17 (apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "mvn not found: the classpath is resolved by Maven (apt-get install maven)"
  mkdir -p "$CACHE"
  local key file
  key="$(sha256sum "$POM" | cut -c1-16)"
  file="$CACHE/classpath-$key.txt"
  # The cache is valid while every jar it names is still in ~/.m2.
  if [ -s "$file" ] && tr ':' '\n' <"$file" | while read -r jar; do [ -f "$jar" ] || exit 1; done; then
    cat "$file"; return
  fi
  mvn -q -B -f "$POM" dependency:build-classpath -Dmdep.outputFile="$file.tmp" >&2 || die "Maven could not resolve Kafka's classpath (see above)"
  mv "$file.tmp" "$file"
  cat "$file"
}

java_run() {
  # Tools log errors only; JVM flags keep a tool's start short (C1 only, serial GC). A benchmark
  # that measures a tool's throughput sets KAFKA_RUN_JVM_OPTS to the flags of Kafka's own scripts.
  local cp; cp="$(classpath)"
  # shellcheck disable=SC2086 # the options are a list of words
  exec java ${KAFKA_RUN_JVM_OPTS:--Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto} \
    -Dlog4j2.configurationFile="$ROOT/test/kafka/log4j2.properties" -cp "$cp" "$@"
}

# write_config NODE_ID BROKER_PORT CONTROLLER_PORT VOTERS LOG_DIR RF
write_config() {
  local id=$1 port=$2 cport=$3 voters=$4 dir=$5 rf=$6
  cat <<CONF
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
# Groups and transactions never find a coordinator unless their internal topics can be created
# with the replication the cluster has.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$(( rf > 1 ? 2 : 1 ))
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
# Tests kill brokers and want the survivors to take over quickly: a dead broker is fenced after
# its session times out (default 9 s), a lagging follower leaves the ISR after replica.lag.time.max.ms.
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
replica.lag.time.max.ms=5000
unclean.leader.election.enable=false
CONF
}

node_dir() { echo "$STATE/node-$1"; }

start_node() {
  local id=$1 dir; dir="$(node_dir "$id")"
  [ -f "$dir/server.properties" ] || die "node $id has no configuration in $dir: run 'up' or 'cluster' first"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then return 0; fi
  local cp; cp="$(classpath)"
  : >"$dir/server.log"
  # setsid: the broker outlives this script and is not hit by the caller's Ctrl-C. 9>&-: the broker
  # must not inherit ensure's lock (fd 9), or it holds it for its whole life and every later
  # `ensure` waits on it for ever.
  setsid java -Xmx"$HEAP" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/test/kafka/log4j2.properties" -Dkafka.logs.dir="$dir" -Dkafka.root.level=INFO \
    -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/pid"
}

wait_ready() {
  local id=$1 port=$2 dir; dir="$(node_dir "$id")"
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while :; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      tail -n 20 "$dir/stdout.log" "$dir/server.log" >&2 || true
      die "node $id exited during startup (logs in $dir)"
    fi
    if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "node $id not ready after ${READY_TIMEOUT}s (logs in $dir)"
    sleep 0.2
  done
}

format_node() {
  local id=$1 cluster_id=$2 dir; dir="$(node_dir "$id")"
  local cp; cp="$(classpath)"
  java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$ROOT/test/kafka/log4j2.properties" -cp "$cp" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" --ignore-formatted >"$dir/format.log" 2>&1 \
    || { cat "$dir/format.log" >&2; die "formatting node $id failed"; }
}

new_cluster_id() {
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding. Like Kafka's own
  # Uuid.randomUuid, never one starting with '-': the storage tool would read it as an option.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != - ] && break
  done
  echo "$id"
}

stop_all() {
  local stopped=0
  for pidfile in "$STATE"/node-*/pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; stopped=1; fi
  done
  # Controlled shutdown takes a few seconds; poll, then insist.
  for _ in $(seq 1 150); do
    local alive=0
    for pidfile in "$STATE"/node-*/pid; do
      if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then alive=1; fi
    done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pidfile in "$STATE"/node-*/pid; do
    if [ -f "$pidfile" ]; then kill -9 "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
  done
  if [ $stopped = 1 ]; then echo "kafka.sh: stopped (state in $STATE)" >&2; fi
}

cmd="${1:-}"; shift || true
case "$cmd" in
  classpath) classpath; echo ;;
  run) java_run "$@" ;;
  ensure)
    # Several test workers may ask at once: one starts the broker, the others wait and reuse it.
    mkdir -p "$(dirname "$STATE")"
    exec 9>"$STATE.lock"
    flock 9
    port="${KAFKA_PORT:-19092}"
    if [ -f "$STATE/node-1/pid" ] && kill -0 "$(cat "$STATE/node-1/pid")" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      cat "$STATE/bootstrap"
    else
      "$0" up
      # Who started it (a test run's id): only that run's teardown stops it (scripts/kafka.sh down-if).
      echo "${STROM_TEST_RUN_ID:-}" >"$STATE/started-by"
    fi
    ;;
  down-if)
    # Stops the broker only if the given run started it (another test run may still be using it).
    if [ -f "$STATE/started-by" ] && [ "$(cat "$STATE/started-by")" = "${1:?usage: kafka.sh down-if RUN_ID}" ]; then stop_all; fi
    ;;
  up)
    port="${KAFKA_PORT:-19092}"; cport=$(( port + 1000 ))
    stop_all; rm -rf "$STATE"; mkdir -p "$(node_dir 1)"
    write_config 1 "$port" "$cport" "1@127.0.0.1:$cport" "$(node_dir 1)" 1 >"$(node_dir 1)/server.properties"
    echo "127.0.0.1:$port" >"$STATE/bootstrap"
    start=$(date +%s%N)
    format_node 1 "$(new_cluster_id)"
    start_node 1
    wait_ready 1 "$port"
    echo "kafka.sh: Kafka $(basename "$(classpath | tr ':' '\n' | grep '/kafka_2.13-')" .jar | sed 's/kafka_2.13-//') ready on 127.0.0.1:$port in $(( ($(date +%s%N) - start) / 1000000 )) ms (state in $STATE; stop with: scripts/kafka.sh down)" >&2
    echo "127.0.0.1:$port"
    ;;
  cluster)
    base="${KAFKA_PORT:-19192}"
    stop_all; rm -rf "$STATE"
    voters=""
    for id in 1 2 3; do voters="${voters:+$voters,}$id@127.0.0.1:$(( base + 1000 + id - 1 ))"; done
    bootstrap=""
    cluster_id="$(new_cluster_id)"
    for id in 1 2 3; do
      mkdir -p "$(node_dir "$id")"
      write_config "$id" $(( base + id - 1 )) $(( base + 1000 + id - 1 )) "$voters" "$(node_dir "$id")" 3 >"$(node_dir "$id")/server.properties"
      echo $(( base + id - 1 )) >"$(node_dir "$id")/port"
      bootstrap="${bootstrap:+$bootstrap,}127.0.0.1:$(( base + id - 1 ))"
    done
    echo "$bootstrap" >"$STATE/bootstrap"
    start=$(date +%s%N)
    for id in 1 2 3; do format_node "$id" "$cluster_id" & done; wait
    for id in 1 2 3; do start_node "$id"; done
    for id in 1 2 3; do wait_ready "$id" $(( base + id - 1 )); done
    echo "kafka.sh: 3-node cluster ready on $bootstrap in $(( ($(date +%s%N) - start) / 1000000 )) ms (state in $STATE)" >&2
    echo "$bootstrap"
    ;;
  start)
    id="${1:?usage: kafka.sh start NODE_ID}"
    start_node "$id"; wait_ready "$id" "$(cat "$(node_dir "$id")/port" 2>/dev/null || echo "${KAFKA_PORT:-19092}")"
    ;;
  down) stop_all ;;
  status)
    for d in "$STATE"/node-*; do
      [ -d "$d" ] || continue
      pid="$(cat "$d/pid" 2>/dev/null || echo -)"
      if [ "$pid" != - ] && kill -0 "$pid" 2>/dev/null; then echo "$(basename "$d") pid $pid running"; else echo "$(basename "$d") stopped"; fi
    done ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
