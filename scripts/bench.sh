#!/usr/bin/env bash
# npm run bench: every package's benchmark, side by side in one run, on this machine.
# Figures go to stdout; docs/benchmarks.md records them with the machine they ran on.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/ensure-node.sh
npm run build
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -n1), Node $(node --version)"
npx turbo run bench --concurrency=1 --log-order=stream
