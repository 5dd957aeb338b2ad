#!/usr/bin/env bash
# The whole test suite, as a new user runs it on a fresh clone:  bash scripts/test.sh
#
# Brings Node >= 22 when the machine's is older, installs the workspace when needed, builds,
# lints and type-checks, builds the OpenTelemetry Collector of the Kafka compatibility tests (Go
# needed; cached), makes sure a real Elasticsearch is there (ELASTICSEARCH_URL, or a node
# started by scripts/elasticsearch.sh and stopped again at the end) and a real Kafka broker
# (KAFKA_BOOTSTRAP_SERVERS, or one started by scripts/kafka.sh), then runs every package's
# mocha suite. Any failure, and any pending (skipped) test, fails the run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/ensure-node.sh
echo "Node $(node --version), npm $(npm --version)"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build
# The HTML report's test renders it in headless Chromium.
echo "Chromium: $(bash scripts/ensure-chromium.sh)"
npm run lint
npm run typecheck

# The Collector ↔ Kafka compatibility tests run a real OpenTelemetry Collector, built with Go from
# packages/sidecar/test/collector/builder-config.yaml into a cache outside the work tree (minutes
# the first time, nothing afterwards). Without Go the run fails here, saying what to install.
collector_started=$SECONDS
if ! ELKHOUND_KAFKA_COLLECTOR="$(bash scripts/build-collector.sh packages/sidecar/test/collector/builder-config.yaml)"; then
  echo "The OpenTelemetry Collector of the Kafka compatibility tests could not be built (above)." >&2
  echo "It needs Go ≥ 1.25 on PATH (or in /usr/local/go): https://go.dev/doc/install" >&2
  exit 1
fi
export ELKHOUND_KAFKA_COLLECTOR
echo "OpenTelemetry Collector: $ELKHOUND_KAFKA_COLLECTOR ($((SECONDS - collector_started)) s)"

started_here=""
if [ -z "${ELASTICSEARCH_URL:-}" ]; then
  if ! bash scripts/elasticsearch.sh status >/dev/null 2>&1; then
    started_here=1
  fi
  ELASTICSEARCH_URL="$(bash scripts/elasticsearch.sh start)"
  export ELASTICSEARCH_URL
fi
kafka_started_here=""
cleanup() {
  if [ -n "$started_here" ]; then bash scripts/elasticsearch.sh stop || true; fi
  if [ -n "$kafka_started_here" ]; then bash scripts/kafka.sh stop || true; fi
}
trap cleanup EXIT
# The Kafka tests need a broker: KAFKA_BOOTSTRAP_SERVERS, or one started by scripts/kafka.sh.
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  if bash scripts/kafka.sh status >/dev/null 2>&1; then
    KAFKA_BOOTSTRAP_SERVERS="$(bash scripts/kafka.sh bootstrap)"
  else
    kafka_started_here=1
    KAFKA_BOOTSTRAP_SERVERS="$(bash scripts/kafka.sh start)"
  fi
  export KAFKA_BOOTSTRAP_SERVERS
fi

version="$(curl -fsS -m 5 ${ELASTICSEARCH_API_KEY:+-H "Authorization: ApiKey $ELASTICSEARCH_API_KEY"} \
  ${ELASTICSEARCH_USERNAME:+-u "$ELASTICSEARCH_USERNAME:${ELASTICSEARCH_PASSWORD:-}"} \
  "$ELASTICSEARCH_URL/_nodes/_local/version?filter_path=nodes.*.version" | sed -nE 's/.*"version" *: *"([^"]+)".*/\1/p')" \
  || { echo "Elasticsearch at $ELASTICSEARCH_URL does not answer" >&2; exit 1; }
echo "Testing against Elasticsearch ${version:-unknown} at $ELASTICSEARCH_URL"

log="$(mktemp)"
set +e
npx turbo run test --concurrency=1 --log-order=stream 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The cluster suite: a three-node cluster and a secure node of its own (scripts/elasticsearch.sh on
# ELKHOUND_CLUSTER_TEST_PORT, default 9240..9245), node loss, least privilege, keys, TLS.
cluster_started=$SECONDS
(cd test && npx mocha --config clusters/.mocharc.json) 2>&1 | tee -a "$log"
cluster_status=${PIPESTATUS[0]}
echo "cluster suite: $((SECONDS - cluster_started)) s"
[ "$cluster_status" -ne 0 ] && status=$cluster_status
set -e

sum() { { grep -Eo "[0-9]+ $1" "$log" || true; } | awk '{ n += $1 } END { print n + 0 }'; }
passed=$(sum passing); failed=$(sum failing); pending=$(sum pending)
rm -f "$log"
echo
if [ "$pending" -gt 0 ]; then
  echo "$pending test(s) pending: a skipped test is a failure here" >&2
  status=1
fi
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
