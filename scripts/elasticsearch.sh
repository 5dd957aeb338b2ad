#!/usr/bin/env bash
# A real Elasticsearch for the test suite and the benchmarks: one node (the default), a cluster
# of several nodes on loopback, and a secure node or cluster (security, TLS on HTTP, API keys).
#
#   scripts/elasticsearch.sh start         fetch (once), start, wait until it answers; prints its
#                                          URL (a cluster: every node's URL, comma-separated)
#   scripts/elasticsearch.sh stop          stop the node(s) this script started on this port
#   scripts/elasticsearch.sh status        print version and URL, exit 1 when it does not answer
#   scripts/elasticsearch.sh url           print the URL(s) it listens on
#   scripts/elasticsearch.sh kill-node I   SIGKILL node I (0-based) of a cluster, for tests
#   scripts/elasticsearch.sh start-node I  start node I again and wait until it rejoined
#   scripts/elasticsearch.sh restart-node I  stop node I gracefully, start it, wait until it rejoined
#   scripts/elasticsearch.sh ca-file       secure: the CA certificate (PEM) the HTTP certificate is signed by
#   scripts/elasticsearch.sh ca-fingerprint  secure: that CA's SHA-256 fingerprint (hex)
#   scripts/elasticsearch.sh password      secure: the `elastic` user's password
#
# Environment: ELKHOUND_ES_PORT (HTTP port of node 0; node I listens on PORT+I, transport on
# PORT+100+I), ELKHOUND_ES_NODES (default 1), ELKHOUND_ES_SECURE=1 (security on, HTTPS with a CA
# made at start, the `elastic` password ELKHOUND_ES_PASSWORD), ELKHOUND_ES_HEAP (default 1g for
# one node, 512m per node of a cluster). The commands after `start` read the shape of what was
# started from its run directory, so they need only the port.
#
# The distribution comes from Maven Central (`mvn dependency:copy`, the integ-test-zip) and is
# cached outside the work tree, so every clone of the repository shares one download. That
# distribution lacks the analysis-common module the `.security` index needs for API keys: a
# secure node gets a tiny plugin of ours (scripts/security-analysis-plugin, compiled once per
# version with the JDK's javac and cached) in a hard-linked copy of the distribution, so the
# shared download stays as shipped.
# Elasticsearch refuses to run as root: as root the node runs as the user `elkhound-es`.
set -euo pipefail

ES_VERSION_9="9.2.4"   # needs Java 21+
ES_VERSION_8="8.19.4"  # runs on Java 17
ES_PORT="${ELKHOUND_ES_PORT:-9200}"
ES_USER="elkhound-es"
if [ "$(id -u)" = 0 ]; then
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-/var/cache/elkhound}"
else
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elkhound}"
fi
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf 'elasticsearch.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

java_major() { "$1" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'; }

max_java_major() {
  local candidate major best=0
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_major "$candidate/bin/java")
    [ -n "$major" ] && [ "$major" -gt "$best" ] && best=$major
  done
  echo "$best"
}

# The tested 9.x when a JDK 21+ is installed, else the tested 8.x on Java 17.
if [ -n "${ELKHOUND_ES_VERSION:-}" ]; then
  ES_VERSION="$ELKHOUND_ES_VERSION"
elif [ "$(max_java_major)" -ge 21 ]; then
  ES_VERSION="$ES_VERSION_9"
else
  ES_VERSION="$ES_VERSION_8"
fi
ES_HOME="$CACHE_ROOT/elasticsearch-$ES_VERSION"
RUN_DIR="$CACHE_ROOT/run-$ES_VERSION-$ES_PORT"

# The shape of what runs on this port: as started (the run directory remembers it), else as asked.
if [ "${1:-}" != start ] && [ -f "$RUN_DIR/deployment.env" ]; then
  # shellcheck disable=SC1091
  source "$RUN_DIR/deployment.env"
else
  NODES="${ELKHOUND_ES_NODES:-1}"
  SECURE="${ELKHOUND_ES_SECURE:-}"
  [ "$SECURE" = 0 ] && SECURE=""
  PASSWORD="${ELKHOUND_ES_PASSWORD:-elkhound-test-password}"
  if [ "$NODES" -gt 1 ]; then ES_HEAP="${ELKHOUND_ES_HEAP:-512m}"; else ES_HEAP="${ELKHOUND_ES_HEAP:-1g}"; fi
fi
[[ "$NODES" =~ ^[1-9]$ ]] || die "ELKHOUND_ES_NODES: $NODES is not a number of nodes from 1 to 9"
SCHEME=http
[ -n "$SECURE" ] && SCHEME=https
TLS_DIR="$RUN_DIR/tls"
# A secure node runs from a hard-linked copy of the distribution that has our plugin.
if [ -n "$SECURE" ]; then NODE_HOME="$RUN_DIR/home"; else NODE_HOME="$ES_HOME"; fi

http_port() { echo $((ES_PORT + $1)); }
node_url() { echo "$SCHEME://127.0.0.1:$(http_port "$1")"; }
# The single node keeps the layout it always had; a cluster's nodes each have their own directory.
node_dir() { if [ "$NODES" = 1 ] && [ -z "$SECURE" ]; then echo "$RUN_DIR"; else echo "$RUN_DIR/node-$1"; fi; }
node_pid() { local file; file="$(node_dir "$1")/elasticsearch.pid"; [ -f "$file" ] && cat "$file"; }
URL="$(node_url 0)"
all_urls() {
  local index urls=""
  for ((index = 0; index < NODES; index++)); do urls="${urls:+$urls,}$(node_url "$index")"; done
  echo "$urls"
}

# 9.x needs Java 21+, 8.x runs on 17. Look at every installed JDK, not only the default `java`.
pick_java_home() {
  local need=17 candidate major
  case "$ES_VERSION" in 9.*) need=21 ;; esac
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$need" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

# curl with what this deployment needs: the CA and the `elastic` user when secure.
es_curl() {
  if [ -n "$SECURE" ]; then
    curl --cacert "$TLS_DIR/ca.crt" -u "elastic:$PASSWORD" "$@"
  else
    curl "$@"
  fi
}

# The integ-test-zip has no rest-root module, so `GET /` is not served: ask the node info API.
answers() { es_curl -fsS -m 2 "$(node_url "${1:-0}")/_nodes/_local/version?filter_path=nodes.*.version" 2>/dev/null; }

fetch_distribution() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Elasticsearch $ES_VERSION from Maven Central; install it or set ELASTICSEARCH_URL to an existing cluster"
  mkdir -p "$CACHE_ROOT"
  local download="$CACHE_ROOT/download-$$"
  log "fetching Elasticsearch $ES_VERSION from Maven Central (once; cached in $CACHE_ROOT)"
  mvn -q -B dependency:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$download" >&2 || die "mvn could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
  command -v unzip >/dev/null || die "unzip is needed (apt-get install unzip)"
  unzip -q "$download/elasticsearch-$ES_VERSION.zip" -d "$download"
  rm -rf "$ES_HOME"
  mv "$download/elasticsearch-$ES_VERSION" "$ES_HOME"
  rm -rf "$download"
}

# The analysis plugin the `.security` index needs, compiled once per version and source.
build_security_plugin() {
  local java_home=$1 source="$SCRIPT_DIR/security-analysis-plugin"
  local digest
  digest=$(cat "$source"/plugin-descriptor.properties.in "$source"/src/org/elkhound/analysis/*.java | sha256sum | cut -c1-12)
  local built="$CACHE_ROOT/security-analysis-plugin-$ES_VERSION-$digest"
  if [ ! -f "$built/elkhound-security-analysis.jar" ]; then
    log "compiling the test analysis plugin for the .security index (once; cached in $built)"
    local work="$built.tmp-$$"
    rm -rf "$work"
    mkdir -p "$work/classes"
    "$java_home/bin/javac" -nowarn -cp "$ES_HOME/lib/*" -d "$work/classes" "$source"/src/org/elkhound/analysis/*.java >&2 \
      || die "javac could not compile $source against Elasticsearch $ES_VERSION"
    "$java_home/bin/jar" --create --file "$work/elkhound-security-analysis.jar" -C "$work/classes" . >&2
    sed "s/@ES_VERSION@/$ES_VERSION/" "$source/plugin-descriptor.properties.in" >"$work/plugin-descriptor.properties"
    rm -rf "$work/classes" "$built"
    mv "$work" "$built"
  fi
  echo "$built"
}

# A CA made now, and one certificate for every node of this deployment signed by it.
make_certificates() {
  command -v openssl >/dev/null || die "openssl is needed for a secure node"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Elkhound test CA $ES_PORT" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=elkhound-test-node" \
      -keyout node.key -out node.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' >node.ext
    openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile node.ext -out node.crt 2>/dev/null
    # The node presents its chain, as a node security auto-configured does: a client pinning the
    # CA by fingerprint (ELASTICSEARCH_CA_FINGERPRINT) finds the CA in what the node sends.
    cat node.crt ca.crt >node-chain.crt
  ) || die "openssl could not make the test certificates"
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
}

as_es_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$ES_USER" -- "$@"
  else
    "$@"
  fi
}

write_node_config() {
  local index=$1 dir
  dir=$(node_dir "$index")
  mkdir -p "$dir/data" "$dir/logs" "$dir/config"
  cp -r "$ES_HOME/config/." "$dir/config/"
  if [ "$NODES" = 1 ]; then
    cat >"$dir/config/elasticsearch.yml" <<YML
cluster.name: elkhound-test
node.name: elkhound-test-node
discovery.type: single-node
YML
  else
    local seeds="" other
    for ((other = 0; other < NODES; other++)); do seeds="${seeds:+$seeds, }\"127.0.0.1:$((ES_PORT + 100 + other))\""; done
    local masters=""
    for ((other = 0; other < NODES; other++)); do masters="${masters:+$masters, }elkhound-test-$ES_PORT-$other"; done
    # Its own cluster name per port: another helper's cluster on this machine never joins it.
    cat >"$dir/config/elasticsearch.yml" <<YML
cluster.name: elkhound-test-$ES_PORT
node.name: elkhound-test-$ES_PORT-$index
discovery.seed_hosts: [$seeds]
cluster.initial_master_nodes: [$masters]
YML
  fi
  cat >>"$dir/config/elasticsearch.yml" <<YML
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $(http_port "$index")
transport.port: $((ES_PORT + 100 + index))
action.destructive_requires_name: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
  if [ -n "$SECURE" ]; then
    mkdir -p "$dir/config/certs"
    cp "$TLS_DIR/ca.crt" "$TLS_DIR/node-chain.crt" "$TLS_DIR/node.key" "$dir/config/certs/"
    cp "$RUN_DIR/elasticsearch.keystore" "$dir/config/elasticsearch.keystore"
    cat >>"$dir/config/elasticsearch.yml" <<YML
xpack.security.enabled: true
xpack.security.authc.api_key.enabled: true
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/node.key
xpack.security.http.ssl.certificate: certs/node-chain.crt
xpack.security.http.ssl.certificate_authorities: [certs/ca.crt]
xpack.security.transport.ssl.enabled: true
xpack.security.transport.ssl.verification_mode: certificate
xpack.security.transport.ssl.key: certs/node.key
xpack.security.transport.ssl.certificate: certs/node-chain.crt
xpack.security.transport.ssl.certificate_authorities: [certs/ca.crt]
YML
  else
    echo 'xpack.security.enabled: false' >>"$dir/config/elasticsearch.yml"
  fi
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" >"$dir/config/jvm.options.d/heap.options"
}

# Starts node INDEX in the background (the CLI returns once the JVM runs); does not wait for it.
launch_node() {
  local index=$1 java_home=$2 dir
  dir=$(node_dir "$index")
  rm -f "$dir/elasticsearch.pid"
  as_es_user env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$dir/config" \
    "$NODE_HOME/bin/elasticsearch" -d -p "$dir/elasticsearch.pid" >"$dir/stdout.log" 2>&1
}

node_log() { local dir; dir=$(node_dir "$1"); tail -n 40 "$dir/logs/"*.log 2>/dev/null >&2 || cat "$dir/stdout.log" >&2 2>/dev/null || true; }

# Waits until node INDEX answers and sees the whole cluster with at least yellow health.
wait_for_node() {
  local index=$1 url pid
  url=$(node_url "$index")
  local deadline=$((SECONDS + ${ELKHOUND_ES_START_TIMEOUT:-180}))
  until es_curl -fsS -m 3 "$url/_cluster/health?wait_for_status=yellow&wait_for_nodes=$NODES&timeout=2s" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      node_log "$index"
      die "Elasticsearch $ES_VERSION did not answer at $url within ${ELKHOUND_ES_START_TIMEOUT:-180}s (logs in $(node_dir "$index")/logs)"
    fi
    pid=$(node_pid "$index" || true)
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      node_log "$index"
      die "Elasticsearch $ES_VERSION node $index exited during start-up (logs in $(node_dir "$index")/logs)"
    fi
    sleep 1
  done
}

start() {
  if answers >/dev/null; then
    log "already answering at $URL"
    all_urls
    return 0
  fi
  local java_home index
  java_home=$(pick_java_home) || die "no JDK new enough for Elasticsearch $ES_VERSION (9.x needs Java 21+, 8.x Java 17+); install one or set ES_JAVA_HOME"
  fetch_distribution
  ensure_user
  for ((index = 0; index < NODES; index++)); do
    local pid; pid=$(node_pid "$index" || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      die "a node started by this script is running (pid $pid) but does not answer at $(node_url "$index"); run '$0 stop' first"
    fi
  done
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  if [ -n "$SECURE" ]; then
    local plugin
    plugin=$(build_security_plugin "$java_home")
    cp -al "$ES_HOME" "$NODE_HOME"
    mkdir -p "$NODE_HOME/plugins/elkhound-security-analysis"
    cp "$plugin"/* "$NODE_HOME/plugins/elkhound-security-analysis/"
    make_certificates
    # The `elastic` password, from the keystore's bootstrap.password on first start.
    ES_JAVA_HOME="$java_home" ES_PATH_CONF="$RUN_DIR" "$ES_HOME/bin/elasticsearch-keystore" create >/dev/null 2>&1 \
      || die "elasticsearch-keystore could not create a keystore"
    printf '%s' "$PASSWORD" | ES_JAVA_HOME="$java_home" ES_PATH_CONF="$RUN_DIR" \
      "$ES_HOME/bin/elasticsearch-keystore" add -x bootstrap.password >/dev/null 2>&1 \
      || die "elasticsearch-keystore could not store the bootstrap password"
  fi
  printf 'NODES=%q\nSECURE=%q\nPASSWORD=%q\nES_HEAP=%q\n' "$NODES" "$SECURE" "$PASSWORD" "$ES_HEAP" >"$RUN_DIR/deployment.env"
  for ((index = 0; index < NODES; index++)); do write_node_config "$index"; done
  if [ "$(id -u)" = 0 ]; then
    chown -R "$ES_USER" "$RUN_DIR"
    chmod -R o+rX "$ES_HOME"
  fi
  local shape="one node"
  [ "$NODES" -gt 1 ] && shape="$NODES nodes, heap $ES_HEAP each"
  [ -n "$SECURE" ] && shape="$shape, security and TLS on"
  log "starting Elasticsearch $ES_VERSION on $(all_urls) ($shape; Java $(java_major "$java_home/bin/java") from $java_home)"
  # The nodes start side by side: a cluster forms only once enough master-eligible nodes run.
  local launches=()
  for ((index = 0; index < NODES; index++)); do
    launch_node "$index" "$java_home" &
    launches+=($!)
  done
  for index in "${!launches[@]}"; do
    wait "${launches[$index]}" || { node_log "$index"; die "Elasticsearch $ES_VERSION node $index did not start (see above)"; }
  done
  for ((index = 0; index < NODES; index++)); do wait_for_node "$index"; done
  log "Elasticsearch $ES_VERSION answers at $(all_urls)"
  all_urls
}

stop_node() {
  local index=$1 signal=${2:-TERM} pid
  pid=$(node_pid "$index" || true)
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -s "$signal" "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$(node_dir "$index")/elasticsearch.pid"
}

stop() {
  local index any=""
  for ((index = 0; index < NODES; index++)); do
    [ -n "$(node_pid "$index" || true)" ] && any=1
    stop_node "$index" &
  done
  wait
  if [ -z "$any" ]; then log "no node started by this script on port $ES_PORT"; return 0; fi
  log "stopped Elasticsearch on port $ES_PORT ($NODES node(s))"
}

node_index() {
  [[ "${1:-}" =~ ^[0-9]$ ]] && [ "$1" -lt "$NODES" ] || die "node: '${1:-}' is not a node of this deployment (0 to $((NODES - 1)))"
  echo "$1"
}

start_node() {
  local index=$1 java_home pid
  pid=$(node_pid "$index" || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then die "node $index is running (pid $pid)"; fi
  java_home=$(pick_java_home) || die "no JDK new enough for Elasticsearch $ES_VERSION"
  launch_node "$index" "$java_home" || { node_log "$index"; die "node $index did not start"; }
  wait_for_node "$index"
  log "node $index answers at $(node_url "$index") and the cluster has its $NODES nodes"
}

status() {
  local body
  body=$(answers) || { log "nothing answers at $URL"; return 1; }
  local version; version=$(printf '%s' "$body" | sed -nE 's/.*"version" *: *"([^"]+)".*/\1/p' | head -n1)
  echo "Elasticsearch ${version:-?} at $(all_urls)"
}

need_secure() { [ -n "$SECURE" ] || die "the deployment on port $ES_PORT is not secure (start it with ELKHOUND_ES_SECURE=1)"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) all_urls ;;
  kill-node) stop_node "$(node_index "${2:-}")" KILL; log "node ${2} killed (SIGKILL)" ;;
  start-node) start_node "$(node_index "${2:-}")" ;;
  restart-node) index=$(node_index "${2:-}"); stop_node "$index"; start_node "$index" ;;
  ca-file) need_secure; echo "$TLS_DIR/ca.crt" ;;
  ca-fingerprint) need_secure; openssl x509 -in "$TLS_DIR/ca.crt" -noout -fingerprint -sha256 | sed -E 's/.*=//; s/://g' ;;
  password) need_secure; echo "$PASSWORD" ;;
  *) echo "usage: $0 start|stop|status|url|kill-node I|start-node I|restart-node I|ca-file|ca-fingerprint|password" >&2; exit 2 ;;
esac
