// The differential test's corpus (packages/otlp/test/support) through the real sidecar, over
// OTLP/HTTP (protobuf) and OTLP/gRPC: valid requests of every shape, with fields of newer
// releases and unknown fields at every level, are accepted and every item lands exactly once in
// the NDJSON output; hostile bodies are refused with a reason (whole, or the items at fault as a
// partial success), never with a server error, never left unanswered; the process stays up.
// ELKHOUND_FUZZ_SEED replays a run (the seed is printed).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { corpusCount, corpusSeed, OtlpCorpus, type Signal } from '../../otlp/test/support/corpus';
import { hostileBodies, type HostileBody } from '../../otlp/test/support/hostile';
import { decodeRpcStatus, loadOtlpRoot } from '../../otlp/test/support/reference';
import {
  spawnSidecar,
  temporaryDirectory,
  waitForDrain,
  type SidecarProcess,
} from './support/sidecar-process';

const MARKER = 'elkhound.corpus.item';
const PATHS: Record<Signal, string> = {
  traces: '/v1/traces',
  logs: '/v1/logs',
  metrics: '/v1/metrics',
};
const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};
const REJECTED: Record<Signal, string> = {
  traces: 'rejected_spans',
  logs: 'rejected_log_records',
  metrics: 'rejected_data_points',
};

/** What a receiver answered, whatever the transport. */
interface Answer {
  /** 'ok', or the refusal: an HTTP status or a gRPC status name. */
  outcome: 'ok' | 'refused' | string;
  /** The reason of a refusal, or the error_message of a partial success. */
  reason: string;
  rejected: number;
}

describe('receiver: the OTLP corpus over HTTP and gRPC', function () {
  this.timeout(240_000);
  const seed = corpusSeed();
  const count = corpusCount(120);
  let sidecar: SidecarProcess;
  let grpcClient: grpc.Client;
  const root = loadOtlpRoot();
  const responses = Object.fromEntries(
    (['traces', 'logs', 'metrics'] as const).map((signal) => [
      signal,
      root.lookupType(
        `opentelemetry.proto.collector.${signal === 'traces' ? 'trace' : signal}.v1.Export${
          { traces: 'Trace', logs: 'Logs', metrics: 'Metrics' }[signal]
        }ServiceResponse`,
      ),
    ]),
  ) as Record<Signal, protobuf.Type>;

  /** The partial success of an OK answer: rejected count and message (0 and '' when none). */
  const partialSuccess = (signal: Signal, body: Uint8Array) => {
    const response = responses[signal].decode(body) as unknown as {
      partial_success?: Record<string, unknown>;
    };
    const partial = response.partial_success ?? {};
    return {
      rejected: Number(partial[REJECTED[signal]] ?? 0),
      reason: String(partial.error_message ?? ''),
    };
  };

  async function overHttp(signal: Signal, body: Uint8Array): Promise<Answer> {
    const response = await fetch(sidecar.url(PATHS[signal]), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const answer = new Uint8Array(await response.arrayBuffer());
    if (response.status === 200) return { outcome: 'ok', ...partialSuccess(signal, answer) };
    const status = decodeRpcStatus(answer);
    return {
      // 400 with google.rpc.Status code 3 (INVALID_ARGUMENT), as OTLP/HTTP asks.
      outcome: response.status === 400 && status.code === 3 ? 'refused' : `HTTP ${response.status}`,
      reason: status.message,
      rejected: 0,
    };
  }

  function overGrpc(signal: Signal, body: Uint8Array): Promise<Answer> {
    return new Promise((resolve) => {
      grpcClient.makeUnaryRequest(
        SERVICES[signal],
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from(body),
        { deadline: Date.now() + 15_000 },
        (error, answer) => {
          if (error === null)
            resolve({ outcome: 'ok', ...partialSuccess(signal, answer ?? Buffer.alloc(0)) });
          else
            resolve({
              outcome:
                error.code === grpc.status.INVALID_ARGUMENT ? 'refused' : grpc.status[error.code],
              reason: error.details,
              rejected: 0,
            });
        },
      );
    });
  }

  before(async () => {
    console.log(
      `      corpus seed ${seed} (ELKHOUND_FUZZ_SEED), ${count} valid requests per signal and transport`,
    );
    sidecar = await spawnSidecar(
      { ELKHOUND_FILE_MAX_BYTES: '1GiB', ELKHOUND_NAMESPACE: 'corpus' },
      temporaryDirectory('corpus'),
    );
    grpcClient = new grpc.Client(
      `127.0.0.1:${sidecar.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  });
  after(async () => {
    grpcClient?.close();
    if (sidecar) assert.equal(await sidecar.stop(), 0);
  });

  it('accepts every valid request, and every item lands exactly once', async () => {
    const corpus = new OtlpCorpus(seed, { marker: { key: MARKER, prefix: `c${seed}` } });
    const expected: string[] = [];
    for (const [transport, send] of [
      ['HTTP', overHttp],
      ['gRPC', overGrpc],
    ] as const) {
      for (let index = 0; index < count; index++) {
        for (const signal of ['traces', 'logs', 'metrics'] as const) {
          const request = corpus.request(signal);
          const answer = await send(signal, request.body);
          assert.deepEqual(
            answer,
            { outcome: 'ok', reason: '', rejected: 0 },
            `seed ${seed}, ${transport} ${signal} request ${index}: ${Buffer.from(request.body).toString('hex')}`,
          );
          expected.push(...request.markers);
        }
      }
    }
    await waitForDrain(sidecar);
    // Each marker value, as its JSON string, in the lines of every data stream's files.
    const directory = join(sidecar.dataDirectory, 'ndjson');
    const landed = new Map<string, number>();
    const pattern = new RegExp(`"(c${seed}-\\d+)"`, 'g');
    for (const name of readdirSync(directory)) {
      for (const line of readFileSync(join(directory, name), 'utf8').split('\n')) {
        for (const match of new Set(
          Array.from(line.matchAll(pattern), (found) => found[1] as string),
        ))
          landed.set(match, (landed.get(match) ?? 0) + 1);
      }
    }
    assert.ok(expected.length > count * 6, `${expected.length} items sent`);
    const missing = expected.filter((marker) => !landed.has(marker));
    const twice = [...landed].filter(([, times]) => times !== 1);
    assert.deepEqual(
      { missing: missing.slice(0, 10), twice: twice.slice(0, 10) },
      { missing: [], twice: [] },
    );
    assert.equal(landed.size, expected.length);
  });

  it('refuses hostile bodies with a reason, whole or in part, never with a server error', async () => {
    const corpus = new OtlpCorpus(seed ^ 0x5a5a5a5a);
    const bodies: HostileBody[] = hostileBodies(corpus, Math.ceil(count / 2));
    const seen = new Map<string, number>();
    for (const [index, hostile] of bodies.entries()) {
      for (const [transport, send] of [
        ['HTTP', overHttp],
        ['gRPC', overGrpc],
      ] as const) {
        const answer = await send(hostile.signal, hostile.body);
        const where = `seed ${seed}, ${transport}, ${hostile.kind} #${index} (${hostile.signal}): ${hostile.body.toString('hex')} → ${JSON.stringify(answer)}`;
        seen.set(
          `${hostile.kind} ${answer.outcome}`,
          (seen.get(`${hostile.kind} ${answer.outcome}`) ?? 0) + 1,
        );
        assert.ok(answer.outcome === 'ok' || answer.outcome === 'refused', where);
        if (answer.outcome === 'refused') assert.ok(answer.reason.length > 8, where);
        if (hostile.expect === 'refused') {
          assert.equal(answer.outcome, 'refused', where);
          assert.match(answer.reason, hostile.reason as RegExp, where);
        } else if (hostile.expect === 'partial') {
          assert.equal(answer.outcome, 'ok', where);
          assert.equal(answer.rejected, 1, where);
          assert.match(answer.reason, hostile.reason as RegExp, where);
        }
      }
    }
    console.log(`      ${[...seen].map(([what, times]) => `${what}: ${times}`).join(', ')}`);
    // Still up and ready after all of them.
    assert.equal(sidecar.child.exitCode, null);
    assert.equal((await fetch(sidecar.url('/readyz'))).status, 200);
  });
});
