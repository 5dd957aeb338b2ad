import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import { spawnSidecar, temporaryDirectory, type SidecarProcess } from './support/sidecar-process';

/** A process's resident set now and at its peak (Linux /proc), in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/**
 * The bound the peak RSS must stay under with the default limits: the 128 MiB in-flight budget
 * plus what the process holds anyway (its code, heap and buffers: ~70-90 MiB at rest after
 * start) and room for garbage not yet collected. Before inflation was charged to the budget as it
 * happened, 4 bombs took the peak to ~330 MiB and 16 to ~1.1 GiB.
 */
const PEAK_BOUND_MIB = 320;

// 128 MiB of zeros: ~128 KB of gzip, twice the default 64 MiB decompressed limit.
const BOMB = gzipSync(Buffer.alloc(128 * 1024 * 1024), { level: 9 });

async function httpBomb(sidecar: SidecarProcess): Promise<number> {
  const response = await fetch(sidecar.url('/v1/traces'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    body: BOMB,
  });
  await response.arrayBuffer();
  return response.status;
}

/** One OTLP/gRPC Export call whose message is the bomb, sent gzip-compressed as it is. */
function grpcBomb(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      'grpc-encoding': 'gzip',
      te: 'trailers',
    });
    let status = '';
    const read = (headers: http2.IncomingHttpHeaders): void => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('data', () => undefined);
    stream.on('close', () => resolve(status));
    stream.on('error', reject);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(1, 0); // compressed
    prefix.writeUInt32BE(BOMB.length, 1);
    stream.end(Buffer.concat([prefix, BOMB]));
  });
}

const RESOURCE_EXHAUSTED = '8';

describe('receiver: memory under concurrent gzip bombs (default limits, real process)', function () {
  this.timeout(300_000);
  const figures: string[] = [];

  after(() => {
    console.log(`      peak RSS (VmHWM) of the sidecar:\n${figures.join('\n')}`);
  });

  for (const transport of ['HTTP', 'gRPC'] as const) {
    for (const concurrent of [1, 4, 16]) {
      it(`${transport}: ${concurrent} concurrent bomb(s) of ${Math.round(BOMB.length / 1024)} KB, each refused as too large, peak RSS under ${PEAK_BOUND_MIB} MiB`, async () => {
        const sidecar = await spawnSidecar({}, temporaryDirectory('bombs'));
        try {
          const pid = sidecar.child.pid as number;
          const atRest = memory(pid).rss;
          let answers: string[];
          if (transport === 'HTTP') {
            answers = (
              await Promise.all(Array.from({ length: concurrent }, () => httpBomb(sidecar)))
            ).map(String);
            assert.deepEqual(answers, Array(concurrent).fill('413'));
          } else {
            const session = http2.connect(`http://127.0.0.1:${sidecar.grpcPort}`);
            session.on('error', () => undefined);
            try {
              answers = await Promise.all(
                Array.from({ length: concurrent }, () => grpcBomb(session)),
              );
            } finally {
              session.close();
            }
            assert.deepEqual(answers, Array(concurrent).fill(RESOURCE_EXHAUSTED));
          }
          const { peak } = memory(pid);
          figures.push(
            `        ${transport} ×${concurrent}: ${peak.toFixed(0)} MiB (${atRest.toFixed(0)} MiB at rest)`,
          );
          assert.ok(peak < PEAK_BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB`);
          // Every share of the budget was given back: a body of nearly half the budget still
          // fits (it is not JSON, so 400, but not 503).
          const large = await fetch(sidecar.url('/v1/logs'), {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            body: gzipSync(Buffer.alloc(60 * 1024 * 1024, 0x20)),
          });
          assert.equal(large.status, 400, await large.text());
        } finally {
          assert.equal(await sidecar.stop(), 0);
        }
      });
    }
  }
});
