import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { parse, parseAllDocuments } from 'yaml';
import { OPTIONS } from '../src/config';
import { makeSpans } from './support/requests';
import { metricValue, spawnSidecar, temporaryDirectory } from './support/sidecar-process';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples', 'sidecar');

interface CollectorConfig {
  exporters: Record<
    string,
    {
      endpoint: string;
      encoding?: string;
      compression?: string;
      headers?: Record<string, string>;
      retry_on_failure?: { enabled?: boolean; max_elapsed_time?: number };
      sending_queue?: { enabled?: boolean };
    }
  >;
  service: { pipelines: Record<string, { exporters: string[] }> };
}

describe('examples/sidecar', function () {
  this.timeout(60_000);

  it('otel-collector.yaml: every signal goes to elkhound, and its exporter settings are what the sidecar takes', async () => {
    const config = parse(
      readFileSync(join(EXAMPLES, 'otel-collector.yaml'), 'utf8'),
    ) as CollectorConfig;
    const exporter = config.exporters['otlphttp/elkhound'];
    assert.ok(exporter, 'an otlphttp exporter to elkhound');
    for (const signal of ['traces', 'logs', 'metrics'])
      assert.deepEqual(config.service.pipelines[signal]?.exporters, ['otlphttp/elkhound'], signal);
    assert.equal(exporter.encoding, 'proto');
    assert.equal(exporter.compression, 'gzip');
    // The sidecar answers 429 with Retry-After when its disk budget is spent: never give up.
    assert.equal(exporter.retry_on_failure?.enabled, true);
    assert.equal(exporter.retry_on_failure?.max_elapsed_time, 0);
    assert.equal(exporter.sending_queue?.enabled, true);

    // What the Collector's exporter sends with these settings — OTLP/protobuf, gzip, the bearer
    // header with the token substituted — sent by the real OpenTelemetry exporter to a real sidecar.
    const token = 'collector-example-token';
    const sidecar = await spawnSidecar(
      { ELKHOUND_AUTH_TOKEN: token },
      temporaryDirectory('collector-example'),
    );
    try {
      const headers = Object.fromEntries(
        Object.entries(exporter.headers ?? {}).map(([name, value]) => [
          name,
          value.replace('${env:ELKHOUND_AUTH_TOKEN}', token),
        ]),
      );
      const otlp = new OTLPTraceExporter({
        url: sidecar.url('/v1/traces'),
        headers,
        compression: exporter.compression as never,
      });
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        otlp.export(makeSpans(5), resolve),
      );
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assert.equal(await metricValue(sidecar, 'elkhound_received_spans_total'), 5);
      await otlp.shutdown();
    } finally {
      assert.equal(await sidecar.stop(), 0);
    }
  });

  it('kubernetes.yaml: the sidecar container runs `elkhound sidecar` with known settings on the default ports', () => {
    const documents = parseAllDocuments(
      readFileSync(join(EXAMPLES, 'kubernetes.yaml'), 'utf8'),
    ).map((document) => document.toJS() as Record<string, unknown>);
    const deployment = documents.find((document) => document.kind === 'Deployment') as {
      spec: {
        template: {
          spec: {
            containers: Array<{
              name: string;
              args?: string[];
              env?: Array<{ name: string }>;
              ports?: Array<{ containerPort: number }>;
            }>;
          };
        };
      };
    };
    const sidecar = deployment.spec.template.spec.containers.find(
      (container) => container.args?.[0] === 'sidecar',
    );
    assert.ok(sidecar, 'a container running `elkhound sidecar`');
    // The sidecar's settings, and Node's own (NODE_OPTIONS, to bound the heap).
    const known = new Set([...OPTIONS.map((option) => option.env), 'NODE_OPTIONS']);
    for (const variable of sidecar.env ?? [])
      assert.ok(known.has(variable.name), `${variable.name} is a sidecar setting`);
    assert.deepEqual((sidecar.ports ?? []).map((port) => port.containerPort).sort(), [4317, 4318]);
  });
});
