#!/usr/bin/env bash
# npm run bench: every package's benchmark, side by side in one run, on this machine.
# Figures go to stdout; docs/benchmarks.md records them with the machine they ran on.
# `npm run bench:collector` (this script with `collector`): the sidecar side by side with the
# OpenTelemetry Collector instead, and what a document costs Elasticsearch; needs Go to build the
# Collector (without it the sidecar runs alone). Never part of the tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/ensure-node.sh
npm run build
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -n1), Node $(node --version)"
# The sidecar's end-to-end bench needs a real Elasticsearch: the same one the tests use.
started_here=""
if [ -z "${ELASTICSEARCH_URL:-}" ]; then
  bash scripts/elasticsearch.sh status >/dev/null 2>&1 || started_here=1
  ELASTICSEARCH_URL="$(bash scripts/elasticsearch.sh start)"
  export ELASTICSEARCH_URL
fi
kafka_started_here=""
cleanup() {
  if [ -n "$started_here" ]; then bash scripts/elasticsearch.sh stop || true; fi
  if [ -n "$kafka_started_here" ]; then bash scripts/kafka.sh stop || true; fi
}
trap cleanup EXIT
echo "Elasticsearch: $(bash scripts/elasticsearch.sh status 2>/dev/null || echo "$ELASTICSEARCH_URL")"
if [ "${1:-}" = collector ]; then
  npm run bench:collector -w @elkhound/sidecar
  npm run bench:es-cost -w @elkhound/sidecar
  exit 0
fi
npx turbo run bench --concurrency=1 --log-order=stream
# Kafka → Elasticsearch with one and two `elkhound consume`, against the sidecar's direct path.
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  if bash scripts/kafka.sh status >/dev/null 2>&1; then
    KAFKA_BOOTSTRAP_SERVERS="$(bash scripts/kafka.sh bootstrap)"
  else
    kafka_started_here=1
    KAFKA_BOOTSTRAP_SERVERS="$(bash scripts/kafka.sh start)"
  fi
  export KAFKA_BOOTSTRAP_SERVERS
fi
npm run bench:kafka -w @elkhound/sidecar
