#!/usr/bin/env bash
# Builds the OpenTelemetry Collector a builder manifest describes, into a cache outside the work
# tree, and prints the binary's path on stdout (progress and the time the build took go to stderr).
#   bash scripts/build-collector.sh <builder-config.yaml>
# The manifests: packages/sidecar/bench/collector/builder-config.yaml (the side-by-side bench) and
# packages/sidecar/test/collector/builder-config.yaml (the Collector ↔ Kafka compatibility tests).
# A manifest's `output_path: OUTPUT_PATH` is replaced by its cache directory, named after the
# version and the manifest's hash: a changed manifest builds afresh, an unchanged one is reused.
# Exits 3 with a clear message where Go is missing (the bench then skips the Collector; the tests
# fail with that message). ELKHOUND_COLLECTOR_CACHE overrides the cache (default
# /var/cache/elkhound, else ~/.cache/elkhound).
set -euo pipefail
manifest="$(cd "$(dirname "${1:?usage: build-collector.sh <builder-config.yaml>}")" && pwd)/$(basename "$1")"
version="$(sed -nE 's/^  version: *([0-9.]+).*/\1/p' "$manifest")"
name="$(sed -nE 's/^  name: *([A-Za-z0-9._-]+).*/\1/p' "$manifest")"
if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin /usr/lib/go/bin; do
    if [ -x "$candidate/go" ]; then PATH="$candidate:$PATH"; break; fi
  done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "collector: Go is not installed: install Go ≥ 1.25 (https://go.dev/doc/install; on PATH, or in /usr/local/go) to build the OpenTelemetry Collector $version of $manifest" >&2
  exit 3
fi
cache="${ELKHOUND_COLLECTOR_CACHE:-}"
if [ -z "$cache" ]; then
  if mkdir -p /var/cache/elkhound 2>/dev/null && [ -w /var/cache/elkhound ]; then
    cache=/var/cache/elkhound
  else
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/elkhound"
  fi
fi
digest="$(sha256sum "$manifest" | cut -c1-12)"
out="$cache/otelcol-$version-$digest"
binary="$out/$name"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
mkdir -p "$out"
# One build at a time per manifest (two runs starting together wait for the first).
exec 9>"$out.lock"
flock 9
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
started=$SECONDS
builder="$cache/bin/builder-$version"
if [ ! -x "$builder" ]; then
  echo "collector: installing the Collector builder v$version…" >&2
  GOBIN="$cache/bin" nice -n 19 go install "go.opentelemetry.io/collector/cmd/builder@v$version" >&2
  mv "$cache/bin/builder" "$builder"
fi
sed "s#OUTPUT_PATH#$out#" "$manifest" >"$out/builder-config.yaml"
echo "collector: building $name (otelcol $version) into $out (nice -n 19; takes minutes the first time)…" >&2
(cd "$out" && nice -n 19 "$builder" --config "$out/builder-config.yaml" >&2)
echo "collector: built $name in $((SECONDS - started)) s" >&2
echo "$binary"
