#!/usr/bin/env bash
# A real Apache Kafka (KRaft mode, no ZooKeeper) for the test suite and the benchmarks.
#
#   scripts/kafka.sh start [N]     fetch (once), format and start N nodes (default 1; 3 for the
#                                  failure tests), wait until every broker serves; prints the
#                                  bootstrap servers (host:port,host:port,...)
#   scripts/kafka.sh stop          stop every node this script started on these ports
#   scripts/kafka.sh status        print the version and bootstrap servers; exit 1 when a node is down
#   scripts/kafka.sh bootstrap     print the bootstrap servers
#   scripts/kafka.sh kill-node I   SIGKILL node I (1-based): a crashed broker, for failure tests
#   scripts/kafka.sh start-node I  start node I again on its existing storage and wait for it
#   scripts/kafka.sh sasl-password print the password of the SASL user `elkhound` (SASL mode)
#   scripts/kafka.sh ca-file       print the CA certificate (PEM) of the broker (TLS mode)
#
# ELKHOUND_KAFKA_SASL=1 (one node): the broker listens with SASL_PLAINTEXT only, offering PLAIN,
# SCRAM-SHA-256 and SCRAM-SHA-512 for the user `elkhound` (password ELKHOUND_KAFKA_SASL_PASSWORD,
# default elkhound-secret). The SCRAM credentials are written into the KRaft storage when it is
# formatted (`kafka-storage format --add-scram`): KRaft has no ZooKeeper to put them in first.
# ELKHOUND_KAFKA_TLS=1 (one node): the listener takes TLS (SSL; SASL_SSL with SASL), with a
# certificate for 127.0.0.1 signed by a CA made by openssl at start (`ca-file` prints its path).
#
# The broker is the Maven artifact org.apache.kafka:kafka_2.13 and its dependencies, copied by
# `mvn dependency:copy-dependencies` on scripts/kafka/pom.xml and run as `java -cp 'libs/*'
# kafka.Kafka`. The jars are cached outside the work tree (like scripts/elasticsearch.sh does),
# so every clone shares one download. Every node is a combined broker + controller bound to
# 127.0.0.1: brokers listen on PORT .. PORT+N-1, controllers on PORT+N .. PORT+2N-1
# (PORT = ELKHOUND_KAFKA_PORT, default 9092).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$here/kafka/pom.xml"
KAFKA_VERSION="$(sed -nE 's|.*<kafka.version>([^<]+)</kafka.version>.*|\1|p' "$POM")"
PORT="${ELKHOUND_KAFKA_PORT:-9092}"
HEAP="${ELKHOUND_KAFKA_HEAP:-512m}"
if [ "$(id -u)" = 0 ]; then
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-/var/cache/elkhound}"
else
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elkhound}"
fi
LIBS="$CACHE_ROOT/kafka-$KAFKA_VERSION/libs"
RUN_DIR="$CACHE_ROOT/kafka-run-$PORT"
# One fixed cluster id: the storage is formatted afresh on every `start`.
CLUSTER_ID="ZWxraG91bmQtdGVzdC0x0Q"
SASL_PASSWORD="${ELKHOUND_KAFKA_SASL_PASSWORD:-elkhound-secret}"
# The broker's own user, for its connections to itself (inter-broker listener).
SASL_ADMIN_PASSWORD="admin-secret"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

java_major() { "$1" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'; }

# Kafka 4.x brokers need Java 17+ (Java 11 is left to the clients); take the first one installed.
pick_java() {
  local candidate major
  for candidate in "${KAFKA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 17 ]; then echo "$candidate/bin/java"; return 0; fi
  done
  return 1
}

fetch_jars() {
  [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka $KAFKA_VERSION from Maven Central; install it or set KAFKA_BOOTSTRAP_SERVERS to an existing cluster"
  local download="$CACHE_ROOT/kafka-download-$$"
  log "fetching Kafka $KAFKA_VERSION from Maven Central (once; cached in $LIBS)"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$download" >&2 || die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies"
  rm -rf "$LIBS"
  mkdir -p "$(dirname "$LIBS")"
  mv "$download" "$LIBS"
}

node_count() { cat "$RUN_DIR/nodes" 2>/dev/null || echo 1; }
broker_port() { echo $((PORT + $1 - 1)); }
controller_port() { echo $((PORT + $2 + $1 - 1)); }

bootstrap() {
  local n i out=""
  n=$(node_count)
  for i in $(seq 1 "$n"); do out="${out:+$out,}127.0.0.1:$(broker_port "$i")"; done
  echo "$out"
}

write_config() {
  local i=$1 n=$2 voters="" j
  for j in $(seq 1 "$n"); do voters="${voters:+$voters,}$j@127.0.0.1:$(controller_port "$j" "$n")"; done
  local rf=$n min_isr=1
  [ "$n" -ge 3 ] && { rf=3; min_isr=2; }
  mkdir -p "$RUN_DIR/node-$i/data" "$RUN_DIR/node-$i/logs"
  local listener=PLAINTEXT
  [ -f "$RUN_DIR/sasl" ] && listener=SASL_PLAINTEXT
  if [ -f "$RUN_DIR/tls/ca.crt" ]; then
    listener=SSL
    [ -f "$RUN_DIR/sasl" ] && listener=SASL_SSL
  fi
  cat >"$RUN_DIR/node-$i/server.properties" <<PROPS
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=$listener://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i" "$n")
advertised.listeners=$listener://127.0.0.1:$(broker_port "$i")
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=$listener:$listener,CONTROLLER:PLAINTEXT
log.dirs=$RUN_DIR/node-$i/data
num.partitions=4
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
auto.create.topics.enable=true
# Tests join and leave consumer groups all the time: no 3 s wait before the first rebalance.
group.initial.rebalance.delay.ms=0
# Small segments and short retention: a test run writes little and is thrown away.
log.segment.bytes=16777216
log.retention.hours=2
PROPS
  local name
  name=$(echo "$listener" | tr '[:upper:]' '[:lower:]')
  if [ -f "$RUN_DIR/sasl" ]; then
    cat >>"$RUN_DIR/node-$i/server.properties" <<PROPS
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.$name.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$SASL_ADMIN_PASSWORD";
listener.name.$name.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.$name.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$SASL_ADMIN_PASSWORD" user_admin="$SASL_ADMIN_PASSWORD" user_elkhound="$SASL_PASSWORD";
PROPS
  fi
  if [ -f "$RUN_DIR/tls/ca.crt" ]; then
    # PEM key stores (KIP-651): the key (unencrypted PKCS#8) and certificate in one file.
    cat >>"$RUN_DIR/node-$i/server.properties" <<PROPS
ssl.keystore.type=PEM
ssl.keystore.location=$RUN_DIR/tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$RUN_DIR/tls/ca.crt
ssl.endpoint.identification.algorithm=https
PROPS
  fi
  cat >"$RUN_DIR/node-$i/log4j2.yaml" <<YAML
Configuration:
  Appenders:
    File:
      name: file
      fileName: "$RUN_DIR/node-$i/logs/server.log"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: file
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: INFO
YAML
}

# A CA made now and a broker certificate for 127.0.0.1 signed by it (as scripts/elasticsearch.sh
# does for a secure node).
make_certificates() {
  command -v openssl >/dev/null || die "openssl is needed for ELKHOUND_KAFKA_TLS=1"
  mkdir -p "$RUN_DIR/tls"
  (
    cd "$RUN_DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Elkhound Kafka test CA $PORT" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=elkhound-test-broker" \
      -keyout broker.key -out broker.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile broker.ext -out broker.crt 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.pk8 2>/dev/null
    cat broker.pk8 broker.crt >broker.pem
  ) || die "openssl could not make the test certificates"
}

node_pid() { cat "$RUN_DIR/node-$1/kafka.pid" 2>/dev/null; }
node_alive() { local pid; pid=$(node_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

launch_node() {
  local i=$1 java
  java=$(pick_java) || die "no Java 17+ found for Kafka $KAFKA_VERSION; install one or set KAFKA_JAVA_HOME"
  : >"$RUN_DIR/node-$i/logs/server.log"
  nohup "$java" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$RUN_DIR/node-$i/log4j2.yaml" \
    -cp "$LIBS/*" kafka.Kafka "$RUN_DIR/node-$i/server.properties" \
    >"$RUN_DIR/node-$i/logs/stdout.log" 2>&1 &
  echo $! >"$RUN_DIR/node-$i/kafka.pid"
}

# A node is up once the broker logged its start: its listener then serves metadata.
wait_node() {
  local i=$1 deadline=$((SECONDS + ${ELKHOUND_KAFKA_START_TIMEOUT:-120}))
  until grep -q "Kafka Server started" "$RUN_DIR/node-$i/logs/server.log" 2>/dev/null; do
    if ! node_alive "$i"; then
      tail -n 30 "$RUN_DIR/node-$i/logs/stdout.log" "$RUN_DIR/node-$i/logs/server.log" >&2 2>/dev/null || true
      die "Kafka node $i exited during start-up (logs in $RUN_DIR/node-$i/logs)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 30 "$RUN_DIR/node-$i/logs/server.log" >&2 2>/dev/null || true
      die "Kafka node $i did not start within ${ELKHOUND_KAFKA_START_TIMEOUT:-120}s (logs in $RUN_DIR/node-$i/logs)"
    fi
    sleep 0.5
  done
}

start() {
  local n=${1:-1} i java
  case "$n" in 1 | 3) ;; *) die "start takes 1 or 3 nodes, not '$n'" ;; esac
  if [ -d "$RUN_DIR" ]; then
    for i in $(seq 1 "$(node_count)"); do
      node_alive "$i" && die "a Kafka started by this script runs on port $PORT (node $i, pid $(node_pid "$i")); run '$0 stop' first"
    done
  fi
  java=$(pick_java) || die "no Java 17+ found for Kafka $KAFKA_VERSION; install one or set KAFKA_JAVA_HOME"
  fetch_jars
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  echo "$n" >"$RUN_DIR/nodes"
  local scram=()
  if [ "${ELKHOUND_KAFKA_TLS:-}" = 1 ]; then
    [ "$n" = 1 ] || die "ELKHOUND_KAFKA_TLS=1 runs one node, not $n"
    make_certificates
  fi
  if [ "${ELKHOUND_KAFKA_SASL:-}" = 1 ]; then
    [ "$n" = 1 ] || die "ELKHOUND_KAFKA_SASL=1 runs one node, not $n"
    : >"$RUN_DIR/sasl"
    scram=(--add-scram "SCRAM-SHA-256=[name=admin,password=$SASL_ADMIN_PASSWORD]"
      --add-scram "SCRAM-SHA-256=[name=elkhound,password=$SASL_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=elkhound,password=$SASL_PASSWORD]")
  fi
  for i in $(seq 1 "$n"); do
    write_config "$i" "$n"
    "$java" -Dlog4j2.configurationFile="$RUN_DIR/node-$i/log4j2.yaml" -cp "$LIBS/*" kafka.tools.StorageTool format \
      --cluster-id "$CLUSTER_ID" --config "$RUN_DIR/node-$i/server.properties" --ignore-formatted "${scram[@]}" >"$RUN_DIR/node-$i/format.log" 2>&1 \
      || { cat "$RUN_DIR/node-$i/format.log" >&2; die "could not format the KRaft storage of node $i"; }
  done
  log "starting Kafka $KAFKA_VERSION, $n node(s) in KRaft mode (Java $(java_major "$java") from $(dirname "$(dirname "$java")"))"
  for i in $(seq 1 "$n"); do launch_node "$i"; done
  for i in $(seq 1 "$n"); do wait_node "$i"; done
  log "Kafka $KAFKA_VERSION serves at $(bootstrap)${scram[*]:+ (SASL: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 for the user elkhound)}${ELKHOUND_KAFKA_TLS:+ (TLS, CA $RUN_DIR/tls/ca.crt)}"
  bootstrap
}

stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  [ -d "$RUN_DIR" ] || { log "no Kafka started by this script on port $PORT"; return 0; }
  local i pid
  # Brokers first, all at once (a controlled shutdown each); the last controller leaves last.
  for i in $(seq 1 "$(node_count)"); do
    if node_alive "$i"; then pid=$(node_pid "$i"); stop_pid "$pid" & fi
  done
  wait
  rm -f "$RUN_DIR"/node-*/kafka.pid
  log "stopped Kafka on port $PORT"
}

status() {
  [ -d "$RUN_DIR" ] || { log "no Kafka started by this script on port $PORT"; return 1; }
  local i down=0
  for i in $(seq 1 "$(node_count)"); do node_alive "$i" || { log "node $i is down"; down=1; }; done
  echo "Kafka $KAFKA_VERSION at $(bootstrap)"
  return $down
}

kill_node() {
  local i=${1:?node number}
  node_alive "$i" || die "node $i is not running"
  local pid; pid=$(node_pid "$i")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  log "killed node $i (SIGKILL)"
}

start_node() {
  local i=${1:?node number}
  node_alive "$i" && die "node $i is running"
  launch_node "$i"
  wait_node "$i"
  log "node $i serves again at 127.0.0.1:$(broker_port "$i")"
}

case "${1:-}" in
  start) start "${2:-1}" ;;
  stop) stop ;;
  status) status ;;
  bootstrap) bootstrap ;;
  kill-node) kill_node "${2:-}" ;;
  start-node) start_node "${2:-}" ;;
  ca-file) [ -f "$RUN_DIR/tls/ca.crt" ] || die "the Kafka on port $PORT was not started with ELKHOUND_KAFKA_TLS=1"; echo "$RUN_DIR/tls/ca.crt" ;;
  sasl-password) [ -f "$RUN_DIR/sasl" ] || die "the Kafka on port $PORT was not started with ELKHOUND_KAFKA_SASL=1"; echo "$SASL_PASSWORD" ;;
  *) echo "usage: $0 start [1|3]|stop|status|bootstrap|kill-node I|start-node I|sasl-password|ca-file" >&2; exit 2 ;;
esac
