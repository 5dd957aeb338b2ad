import { decodeTraceRequest } from '@elkhound/otlp';
import { readFileSync } from 'node:fs';
const request = new Uint8Array(readFileSync('/tmp/req.bin'));
const end = Date.now() + 6000;
while (Date.now() < end) decodeTraceRequest(request);
