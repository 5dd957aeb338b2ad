#!/usr/bin/env bash
# A real single-node Elasticsearch for the test suite and the benchmarks.
#
#   scripts/elasticsearch.sh start    fetch (once), start, wait until it answers; prints its URL
#   scripts/elasticsearch.sh stop     stop the node this script started
#   scripts/elasticsearch.sh status   print version and URL, exit 1 when it does not answer
#   scripts/elasticsearch.sh url      print the URL it listens on
#
# The distribution comes from Maven Central (`mvn dependency:copy`, the integ-test-zip) and is
# cached outside the work tree, so every clone of the repository shares one download.
# Elasticsearch refuses to run as root: as root the node runs as the user `elkhound-es`.
set -euo pipefail

ES_VERSION_9="9.2.4"   # needs Java 21+
ES_VERSION_8="8.19.4"  # runs on Java 17
ES_PORT="${ELKHOUND_ES_PORT:-9200}"
ES_HEAP="${ELKHOUND_ES_HEAP:-1g}"
ES_USER="elkhound-es"
if [ "$(id -u)" = 0 ]; then
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-/var/cache/elkhound}"
else
  CACHE_ROOT="${ELKHOUND_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elkhound}"
fi
URL="http://127.0.0.1:$ES_PORT"

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

# The integ-test-zip has no rest-root module, so `GET /` is not served: ask the node info API.
answers() { curl -fsS -m 2 "$URL/_nodes/_local/version?filter_path=nodes.*.version" 2>/dev/null; }

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

start() {
  if answers >/dev/null; then
    log "already answering at $URL"
    echo "$URL"
    return 0
  fi
  local java_home
  java_home=$(pick_java_home) || die "no JDK new enough for Elasticsearch $ES_VERSION (9.x needs Java 21+, 8.x Java 17+); install one or set ES_JAVA_HOME"
  fetch_distribution
  ensure_user
  if [ -f "$RUN_DIR/elasticsearch.pid" ] && kill -0 "$(cat "$RUN_DIR/elasticsearch.pid")" 2>/dev/null; then
    die "a node started by this script is running (pid $(cat "$RUN_DIR/elasticsearch.pid")) but does not answer at $URL; run '$0 stop' first"
  fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/data" "$RUN_DIR/logs" "$RUN_DIR/config"
  cp -r "$ES_HOME/config/." "$RUN_DIR/config/"
  cat >"$RUN_DIR/config/elasticsearch.yml" <<YML
cluster.name: elkhound-test
node.name: elkhound-test-node
path.data: $RUN_DIR/data
path.logs: $RUN_DIR/logs
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
action.destructive_requires_name: false
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" >"$RUN_DIR/config/jvm.options.d/heap.options"
  if [ "$(id -u)" = 0 ]; then
    chown -R "$ES_USER" "$RUN_DIR"
    chmod -R o+rX "$ES_HOME"
  fi
  log "starting Elasticsearch $ES_VERSION on $URL (Java $(java_major "$java_home/bin/java") from $java_home)"
  as_es_user env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$RUN_DIR/config" \
    "$ES_HOME/bin/elasticsearch" -d -p "$RUN_DIR/elasticsearch.pid" >"$RUN_DIR/stdout.log" 2>&1 \
    || { cat "$RUN_DIR/stdout.log" >&2; tail -n 40 "$RUN_DIR/logs/"*.log 2>/dev/null >&2; die "Elasticsearch $ES_VERSION did not start (see above)"; }
  local deadline=$((SECONDS + ${ELKHOUND_ES_START_TIMEOUT:-180}))
  until curl -fsS -m 2 "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      tail -n 40 "$RUN_DIR/logs/elkhound-test.log" >&2 2>/dev/null || true
      die "Elasticsearch $ES_VERSION did not answer at $URL within ${ELKHOUND_ES_START_TIMEOUT:-180}s (logs in $RUN_DIR/logs)"
    fi
    if [ -f "$RUN_DIR/elasticsearch.pid" ] && ! kill -0 "$(cat "$RUN_DIR/elasticsearch.pid")" 2>/dev/null; then
      tail -n 40 "$RUN_DIR/logs/elkhound-test.log" >&2 2>/dev/null || true
      die "Elasticsearch $ES_VERSION exited during start-up (logs in $RUN_DIR/logs)"
    fi
    sleep 1
  done
  log "Elasticsearch $ES_VERSION answers at $URL"
  echo "$URL"
}

stop() {
  local pid_file="$RUN_DIR/elasticsearch.pid"
  [ -f "$pid_file" ] || { log "no node started by this script on port $ES_PORT"; return 0; }
  local pid; pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pid_file"
  log "stopped Elasticsearch on port $ES_PORT"
}

status() {
  local body
  body=$(answers) || { log "nothing answers at $URL"; return 1; }
  local version; version=$(printf '%s' "$body" | sed -nE 's/.*"version" *: *"([^"]+)".*/\1/p' | head -n1)
  echo "Elasticsearch ${version:-?} at $URL"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
