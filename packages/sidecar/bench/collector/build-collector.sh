#!/usr/bin/env bash
# Builds the Collector of builder-config.yaml (the side-by-side bench's) with the repository's one
# Collector build script, into the cache outside the work tree, and prints the binary's path.
# Exits 3 with a clear message where Go is missing: the side-by-side bench then skips the Collector.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../../../../scripts/build-collector.sh" "$here/builder-config.yaml"
