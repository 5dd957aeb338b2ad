import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
} from '@opentelemetry/sdk-logs';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { elasticsearchClient } from '@elkhound/test-support';
import {
  spawnSidecar,
  uniqueNamespace,
  waitForDrain,
  type SidecarProcess,
} from './support/sidecar-process';

interface Transport {
  name: string;
  traces(sidecar: SidecarProcess): SpanExporter;
  logs(sidecar: SidecarProcess): LogRecordExporter;
  metrics(sidecar: SidecarProcess): PushMetricExporter;
}

const TOKEN = 'test-token-7f3a';
const headers = { authorization: `Bearer ${TOKEN}` };

const TRANSPORTS: Transport[] = [
  {
    name: 'http/protobuf (gzip)',
    traces: (s) =>
      new ProtoTraceExporter({ url: s.url('/v1/traces'), headers, compression: 'gzip' as never }),
    logs: (s) =>
      new ProtoLogExporter({ url: s.url('/v1/logs'), headers, compression: 'gzip' as never }),
    metrics: (s) =>
      new ProtoMetricExporter({ url: s.url('/v1/metrics'), headers, compression: 'gzip' as never }),
  },
  {
    name: 'http/json',
    traces: (s) => new JsonTraceExporter({ url: s.url('/v1/traces'), headers }),
    logs: (s) => new JsonLogExporter({ url: s.url('/v1/logs'), headers }),
    metrics: (s) => new JsonMetricExporter({ url: s.url('/v1/metrics'), headers }),
  },
  {
    name: 'grpc (gzip)',
    traces: (s) =>
      new GrpcTraceExporter({
        url: `http://127.0.0.1:${s.grpcPort}`,
        metadata: grpcMetadata(),
        compression: 'gzip' as never,
      }),
    logs: (s) =>
      new GrpcLogExporter({
        url: `http://127.0.0.1:${s.grpcPort}`,
        metadata: grpcMetadata(),
        compression: 'gzip' as never,
      }),
    metrics: (s) =>
      new GrpcMetricExporter({
        url: `http://127.0.0.1:${s.grpcPort}`,
        metadata: grpcMetadata(),
        compression: 'gzip' as never,
      }),
  },
];

function grpcMetadata(): import('@grpc/grpc-js').Metadata {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  return metadata;
}

describe('real OpenTelemetry exporters → sidecar → Elasticsearch', function () {
  this.timeout(90_000);
  let sidecar: SidecarProcess;
  const namespace = uniqueNamespace('clients');

  before(async () => {
    sidecar = await spawnSidecar({
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
      ELKHOUND_AUTH_TOKEN: TOKEN,
      ELKHOUND_NAMESPACE: namespace,
    });
  });
  after(async () => {
    assert.equal(await sidecar.stop(), 0);
  });

  for (const transport of TRANSPORTS) {
    it(`${transport.name}: traces, logs and metrics arrive in the data streams`, async () => {
      const resource = resourceFromAttributes({ 'service.name': `svc-${transport.name}` });
      const tracerProvider = new TracerProvider({
        resource,
        spanProcessors: [new SimpleSpanProcessor({ exporter: transport.traces(sidecar) })],
      });
      const loggerProvider = new LoggerProvider({
        resource,
        processors: [new SimpleLogRecordProcessor({ exporter: transport.logs(sidecar) })],
      });
      const reader = new PeriodicExportingMetricReader({
        exporter: transport.metrics(sidecar),
        exportIntervalMillis: 600_000,
      });
      const meterProvider = new MeterProvider({ resource, readers: [reader] });
      const metricName = `elkhound.test.${transport.name.replace(/[^a-z]/g, '_')}`;

      const span = tracerProvider.getTracer('clients-test').startSpan('chat gpt-4o', {
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
      });
      const traceId = span.spanContext().traceId;
      loggerProvider.getLogger('clients-test').emit({
        body: `hello over ${transport.name}`,
        severityText: 'INFO',
        context: trace.setSpan(ROOT_CONTEXT, span),
      });
      span.end();
      meterProvider.getMeter('clients-test').createCounter(metricName).add(3, { route: 'a' });

      await tracerProvider.forceFlush();
      await loggerProvider.forceFlush();
      await meterProvider.forceFlush();
      await waitForDrain(sidecar);

      const client = elasticsearchClient();
      try {
        await client.indices.refresh({ index: `*-elkhound-${namespace}` });
        const spans = await client.search<Record<string, unknown>>({
          index: `traces-elkhound-${namespace}`,
          query: { term: { 'trace.id': traceId } },
        });
        assert.equal(spans.hits.hits.length, 1);
        const source = spans.hits.hits[0]?._source as {
          span: { name: string };
          service: { name: string };
        };
        assert.equal(source.span.name, 'chat gpt-4o');
        assert.equal(source.service.name, `svc-${transport.name}`);

        const logs = await client.search<{ message: string; span: { id: string } }>({
          index: `logs-elkhound-${namespace}`,
          query: { term: { 'trace.id': traceId } },
        });
        assert.equal(logs.hits.hits.length, 1);
        assert.equal(logs.hits.hits[0]?._source?.message, `hello over ${transport.name}`);
        assert.equal(logs.hits.hits[0]?._source?.span.id, span.spanContext().spanId);

        const metrics = await client.search({
          index: `metrics-elkhound-${namespace}`,
          query: { term: { 'metric.name': metricName } },
        });
        assert.equal(metrics.hits.hits.length, 1);
        assert.equal((metrics.hits.hits[0]?._source as { value: number }).value, 3);
      } finally {
        await client.close();
        await Promise.all([
          tracerProvider.shutdown(),
          loggerProvider.shutdown(),
          meterProvider.shutdown(),
        ]);
      }
    });
  }

  it('routing: the data_stream.namespace resource attribute overrides the configured namespace', async () => {
    const override = uniqueNamespace('routed');
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'routed' } },
              { key: 'data_stream.namespace', value: { stringValue: override } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'routing-test' },
              spans: [
                {
                  traceId,
                  spanId: 'b7ad6b7169203331',
                  name: 'routed span',
                  kind: 2,
                  startTimeUnixNano: '1763800000000000000',
                  endTimeUnixNano: '1763800000500000000',
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await fetch(sidecar.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body,
    });
    assert.equal(response.status, 200);
    await waitForDrain(sidecar);
    const client = elasticsearchClient();
    try {
      await client.indices.refresh({ index: `traces-elkhound-${override}` });
      const found = await client.search({
        index: `traces-elkhound-${override}`,
        query: { term: { 'trace.id': traceId } },
      });
      assert.equal(found.hits.hits.length, 1);
      assert.match(found.hits.hits[0]?._index ?? '', new RegExp(`traces-elkhound-${override}`));
    } finally {
      await client.close();
    }
  });

  it('a client without the bearer token is refused: 401 over HTTP, UNAUTHENTICATED over gRPC', async () => {
    const response = await fetch(sidecar.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    assert.equal(response.status, 401);
    const wrong = await fetch(sidecar.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: '{"resourceSpans":[]}',
    });
    assert.equal(wrong.status, 401);
    const exporter = new GrpcTraceExporter({ url: `http://127.0.0.1:${sidecar.grpcPort}` });
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    provider.getTracer('t').startSpan('unauthenticated').end();
    // The SimpleSpanProcessor reports the failed export through forceFlush.
    await assert.rejects(
      provider.forceFlush(),
      (error: unknown) =>
        JSON.stringify(error, Object.getOwnPropertyNames(error)).includes('16 UNAUTHENTICATED') ||
        String(error).includes('16 UNAUTHENTICATED'),
    );
    await provider.shutdown().catch(() => undefined);
  });
});
