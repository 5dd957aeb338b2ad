import { decodeTraceRequest } from '@elkhound/otlp';
import { encodeSpans } from '@elkhound/ecs';
import { bulkBody } from '/work/main/packages/exporter-elasticsearch/src/bulk-request';
import { readFileSync } from 'node:fs';
const request = new Uint8Array(readFileSync('/tmp/req.bin'));
const end = Date.now() + 8000;
let n = 0;
while (Date.now() < end) { bulkBody(encodeSpans(decodeTraceRequest(request))); n++; }
console.log(n);
