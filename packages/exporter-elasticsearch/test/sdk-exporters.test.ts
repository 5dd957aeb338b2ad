import assert from 'node:assert/strict';
import {
  context,
  diag,
  DiagLogLevel,
  trace,
  SpanStatusCode,
  type Attributes,
  type DiagLogger,
} from '@opentelemetry/api';
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

  it('reads the connection from the environment when given no argument, as OTel exporters do', async () => {
    const spanExporter = new ElasticsearchSpanExporter();
    const logExporter = new ElasticsearchLogRecordExporter();
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
    });
    const loggerProvider = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
    });
    const span = tracerProvider.getTracer('env-test').startSpan('configured by the environment');
    loggerProvider.getLogger('env-test').emit({
      body: 'configured by the environment',
      context: trace.setSpan(context.active(), span),
    });
    span.end();
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
    await client.indices.refresh({ index: '*-elkhound-default' });
    const found = await client.search<Source>({
      index: 'traces-elkhound-default,logs-elkhound-default',
      query: { term: { 'trace.id': span.spanContext().traceId } },
    });
    assert.deepEqual(found.hits.hits.map((hit) => hit._source?.processor?.event).sort(), [
      'log',
      'transaction',
    ]);

    const saved = process.env.ELASTICSEARCH_URL;
    delete process.env.ELASTICSEARCH_URL;
    try {
      assert.throws(
        () => new ElasticsearchSpanExporter(),
        /no connection; set ELASTICSEARCH_URL \(or ELASTIC_CLOUD_ID\)/,
      );
      process.env.ELASTICSEARCH_URL = 'http://127.0.0.1:9200,ftp://es';
      assert.throws(
        () => new ElasticsearchLogRecordExporter(),
        /ELASTICSEARCH_URL: protocol "ftp:"/,
      );
    } finally {
      process.env.ELASTICSEARCH_URL = saved;
    }
  });

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

  describe('reporting through diag', () => {
    const messages: Array<{ level: string; text: string }> = [];
    const record =
      (level: string) =>
      (text: string, ...rest: unknown[]) =>
        messages.push({ level, text: [text, ...rest.map(String)].join(' ') });
    const logger: DiagLogger = {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    beforeEach(() => {
      messages.length = 0;
      diag.setLogger(logger, { logLevel: DiagLogLevel.DEBUG, suppressOverrideMessage: true });
    });
    afterEach(() => diag.disable());

    it('reports a rejected span with reason and hint, its content only at debug, and calls back SUCCESS', async () => {
      const namespace = `rej${Date.now().toString(36)}`;
      const exporter = new ElasticsearchSpanExporter({ connection: { url: url() }, namespace });
      const provider = new TracerProvider({ spanProcessors: [] });
      const span = provider.getTracer('t').startSpan('chat broken', {
        attributes: { 'gen_ai.usage.input_tokens': 'many', 'app.secret_prompt': 'tell me' },
      });
      span.end();
      const pending = new Promise<ExportResult>((resolve) =>
        exporter.export([span as unknown as ReadableSpan], resolve),
      );
      let settled = false;
      void pending.then(() => (settled = true));
      await exporter.forceFlush();
      assert.ok(settled, 'forceFlush waited for the export in flight');
      assert.equal((await pending).code, ExportResultCode.SUCCESS);
      await exporter.shutdown();
      const warnings = messages.filter((message) => message.level === 'warn');
      assert.equal(warnings.length, 1, JSON.stringify(messages));
      assert.match(warnings[0]?.text ?? '', /document_parsing_exception/);
      assert.match(warnings[0]?.text ?? '', /gen_ai\.usage\.input_tokens/);
      assert.match(warnings[0]?.text ?? '', /mapping conflict/);
      assert.ok(!warnings[0]?.text.includes('tell me'), 'content stays out of warnings');
      assert.ok(
        messages.some((message) => message.level === 'debug' && message.text.includes('tell me')),
      );
    });

    it('calls back FAILED when setup and export cannot reach the cluster, and never logs the API key', async () => {
      const exporter = new ElasticsearchLogRecordExporter({
        connection: {
          url: 'http://127.0.0.1:9',
          apiKey: 'id-1:very-secret-key',
          requestTimeoutMs: 1000,
        },
        bulk: { retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 } },
      });
      const result = await new Promise<ExportResult>((resolve) => {
        exporter.export([], resolve);
      });
      // Nothing to send is a success without a request.
      assert.equal(result.code, ExportResultCode.SUCCESS);
      const span = new TracerProvider({ spanProcessors: [] }).getTracer('t').startSpan('lost');
      span.end();
      const spanExporter = new ElasticsearchSpanExporter({
        connection: {
          url: 'http://127.0.0.1:9',
          apiKey: 'id-1:very-secret-key',
          requestTimeoutMs: 1000,
        },
        bulk: { retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 } },
      });
      const failed = await new Promise<ExportResult>((resolve) =>
        spanExporter.export([span as unknown as ReadableSpan], resolve),
      );
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.ok(
        messages.some((message) =>
          /could not install the Elasticsearch templates/.test(message.text),
        ),
      );
      const everything = messages.map((message) => message.text).join('\n') + String(failed.error);
      assert.ok(!everything.includes('very-secret-key'));
      assert.ok(!everything.includes(Buffer.from('id-1:very-secret-key').toString('base64')));
      await Promise.all([spanExporter.shutdown(), spanExporter.shutdown(), exporter.shutdown()]);
    });

    it('refuses options that cannot work, naming the key, the value and what was expected', () => {
      assert.throws(
        () => new ElasticsearchSpanExporter({ connection: { url: url() }, namespace: 'My-Team' }),
        /namespace: "My-Team" is not a data stream namespace; expected lowercase/,
      );
      assert.throws(
        () => new ElasticsearchSpanExporter({ connection: { url: 'elasticsearch:9200' } }),
        /ELASTICSEARCH_URL/,
      );
      assert.throws(
        () =>
          new ElasticsearchSpanExporter({
            connection: { url: url() },
            bulk: { retry: { maxRetries: -1 } },
          }),
        /retry\.maxRetries: -1/,
      );
    });
  });
});
