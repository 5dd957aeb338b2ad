#!/usr/bin/env bash
# Builds the Collector of builder-config.yaml into a cache outside the work tree and prints the
# binary's path on stdout (progress goes to stderr). Exits 3 with a clear message where Go is
# missing: the side-by-side bench then skips the Collector. Never part of the tests.
# ELKHOUND_COLLECTOR_CACHE overrides the cache (default /var/cache/elkhound, else ~/.cache/elkhound).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/builder-config.yaml"
version="$(sed -nE 's/^  version: *([0-9.]+).*/\1/p' "$manifest")"
if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin /usr/lib/go/bin; do
    if [ -x "$candidate/go" ]; then PATH="$candidate:$PATH"; break; fi
  done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "collector: Go is not installed: skipping the OpenTelemetry Collector (install Go ≥ 1.24 to build otelcol $version)" >&2
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
# The manifest's hash in the directory name: a changed manifest builds afresh.
digest="$(sha256sum "$manifest" | cut -c1-12)"
out="$cache/otelcol-$version-$digest"
binary="$out/otelcol-elkhound-bench"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
mkdir -p "$out"
# One build at a time per cache (two benches starting together wait for the first).
exec 9>"$out.lock"
flock 9
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
builder="$cache/bin/builder-$version"
if [ ! -x "$builder" ]; then
  echo "collector: installing the Collector builder v$version…" >&2
  GOBIN="$cache/bin" nice -n 19 go install "go.opentelemetry.io/collector/cmd/builder@v$version" >&2
  mv "$cache/bin/builder" "$builder"
fi
sed "s#OUTPUT_PATH#$out#" "$manifest" >"$out/builder-config.yaml"
echo "collector: building otelcol $version into $out (nice -n 19; takes minutes)…" >&2
(cd "$out" && nice -n 19 "$builder" --config "$out/builder-config.yaml" >&2)
echo "$binary"
