import assert from 'node:assert/strict';
import { context, trace, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { elasticsearchClient } from '@elkhound/test-support';
import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchLogRecordExporter, ElasticsearchSpanExporter } from '../src';

const url = () => process.env.ELASTICSEARCH_URL as string;

interface Source {
  message?: string;
  processor?: { event: string };
  span?: { id: string; name?: string };
  trace?: { id: string };
  transaction?: { id: string; name?: string };
  event?: { outcome?: string; duration?: number };
  error?: { type?: string; message?: string; stack_trace?: string; handled?: boolean };
  gen_ai?: { usage?: { input_tokens?: number }; request?: { model?: string } };
  elkhound?: { cost?: { total?: number } };
  service?: { name?: string };
  log?: { level?: string; logger?: string };
  body?: { structured?: unknown };
}

describe('ElasticsearchSpanExporter and ElasticsearchLogRecordExporter', function () {
  this.timeout(60_000);
  let client: Client;
  before(() => {
    client = elasticsearchClient();
  });
  after(() => client.close());

  it('correlates a GenAI span, its exception and a log record emitted inside it by trace.id', async () => {
    const namespace = `sdk${Date.now().toString(36)}`;
    const resource = resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.2.3',
    });
    const spanExporter = new ElasticsearchSpanExporter({ connection: { url: url() }, namespace });
    const logExporter = new ElasticsearchLogRecordExporter({
      connection: { url: url() },
      namespace,
    });
    const tracerProvider = new TracerProvider({
      resource,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
    });

    const tracer = tracerProvider.getTracer('@elkhound/instrumentation-genai', '0.1.0');
    const logger = loggerProvider.getLogger('checkout-app');
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 42,
      'elkhound.cost.total': 0.000123,
      'app.user_tier': 'gold',
    };
    const root = tracer.startSpan('POST /checkout', { kind: 1 });
    const parent = trace.setSpan(context.active(), root);
    const span = tracer.startSpan('chat gpt-4o-mini', { kind: 2, attributes }, parent);
    const inSpan = trace.setSpan(context.active(), span);
    logger.emit({
      body: 'asking the model',
      severityNumber: 9,
      severityText: 'INFO',
      context: inSpan,
    });
    logger.emit({
      body: { order: { id: 7, items: ['a', 'b'] } },
      severityNumber: 17,
      context: inSpan,
    });
    span.recordException(new TypeError('upstream hiccup'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream hiccup' });
    span.end();
    root.end();
    await tracerProvider.forceFlush();
    await loggerProvider.forceFlush();
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
    await spanExporter.shutdown(); // idempotent: the provider already shut it down
    await logExporter.shutdown();

    const traceId = span.spanContext().traceId;
    await client.indices.refresh({ index: `*-elkhound-${namespace}` });
    const found = await client.search<Source>({
      index: `traces-elkhound-${namespace},logs-elkhound-${namespace}`,
      query: { term: { 'trace.id': traceId } },
      size: 20,
    });
    const sources = found.hits.hits.map((hit) => hit._source as Source);
    const spans = sources.filter((source) => source.processor?.event === 'span');
    const transactions = sources.filter((source) => source.processor?.event === 'transaction');
    const logs = sources.filter((source) => source.processor?.event === 'log');
    const errors = sources.filter((source) => source.processor?.event === 'error');
    assert.equal(found.hits.hits.length, 5);
    assert.equal(transactions[0]?.transaction?.name, 'POST /checkout');
    assert.equal(spans[0]?.span?.name, 'chat gpt-4o-mini');
    assert.equal(spans[0]?.event?.outcome, 'failure');
    assert.equal(spans[0]?.gen_ai?.usage?.input_tokens, 42);
    assert.equal(spans[0]?.elkhound?.cost?.total, 0.000123);
    assert.equal(spans[0]?.service?.name, 'checkout');
    assert.deepEqual(
      logs
        .map((log) => [log.log?.level, log.message, log.span?.id])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['error', undefined, span.spanContext().spanId],
        ['info', 'asking the model', span.spanContext().spanId],
      ],
    );
    assert.deepEqual(logs.find((log) => log.body)?.body?.structured, {
      order: { id: 7, items: ['a', 'b'] },
    });
    assert.equal(errors[0]?.error?.type, 'TypeError');
    assert.equal(errors[0]?.error?.message, 'upstream hiccup');
    assert.match(errors[0]?.error?.stack_trace ?? '', /TypeError: upstream hiccup/);
  });

  it('calls back FAILED, never throws, when Elasticsearch cannot be reached', async () => {
    const exporter = new ElasticsearchSpanExporter({
      connection: { url: 'http://127.0.0.1:9', requestTimeoutMs: 1000 },
      setup: false,
      bulk: { retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 } },
    });
    const provider = new TracerProvider({ spanProcessors: [] });
    const span = provider.getTracer('t').startSpan('lost');
    span.end();
    const result = await new Promise<ExportResult>((resolve) =>
      exporter.export([span as unknown as ReadableSpan], resolve),
    );
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.match(String(result.error?.message), /not accepted .* after retries/);
    await exporter.shutdown();
    const afterShutdown = await new Promise<ExportResult>((resolve) =>
      exporter.export([], resolve),
    );
    assert.equal(afterShutdown.code, ExportResultCode.FAILED);
  });
});
