#!/usr/bin/env bash
# npm run demo: the whole pipeline on this machine, with no API key and no Elasticsearch needed —
# a local stand-in model server, the sidecar (NDJSON files, or Elasticsearch when
# ELASTICSEARCH_URL is set) and a demo app run with `node --require @elkhound/auto-register`,
# ending with `elkhound report`. OPENAI_API_KEY (and OPENAI_BASE_URL) make the app call a real
# provider instead. The sidecar's files and the HTML report go to .elkhound-demo/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/ensure-node.sh
if [ ! -d node_modules/@elkhound/demo ]; then
  echo "demo: installing the workspace (npm ci) once" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx turbo run build --filter=@elkhound/demo... --output-logs=errors-only >/dev/null
exec node packages/demo/dist/main.js
