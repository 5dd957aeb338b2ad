#!/usr/bin/env -S node --max-semi-space-size=16
'use strict';
// A young generation of 16 MiB semi-spaces keeps the sidecar's resident memory at saturation
// near 240 MiB (V8's default lets it grow past 300 MiB) at no measurable cost in throughput
// (docs/benchmarks.md). Run as `node bin/elkhound.js`, give it with NODE_OPTIONS instead.
require('../dist/cli/main.js').main(process.argv.slice(2));
