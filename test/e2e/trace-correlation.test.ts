import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { logs, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import {
  ElasticsearchLogRecordExporter,
  ElasticsearchSpanExporter,
} from '@elkhound/exporter-elasticsearch';
import {
  GenAIInstrumentation,
  TransactionLogRecordProcessor,
  TransactionSpanProcessor,
} from '@elkhound/instrumentation-genai';
import { elasticsearchClient, FakeOpenAI } from '@elkhound/test-support';

interface Source {
  processor?: { event: string };
  message?: string;
  span?: { id: string; name?: string };
  transaction?: { id?: string };
  parent?: { id: string };
  gen_ai?: { usage?: { input_tokens?: number }; provider?: { name?: string } };
  elkhound?: { cost?: { total?: number }; prompt?: { hash?: string } };
  service?: { name?: string };
}

// The whole first half of Elkhound in one process: a real NodeSDK with the GenAI
// instrumentation and the in-process Elasticsearch exporters, the real `openai` SDK against a
// local OpenAI-shaped server, and the real Elasticsearch of the test run.
describe('trace correlation end to end: NodeSDK + openai + Elasticsearch', function () {
  this.timeout(60_000);
  const provider = new FakeOpenAI();
  const namespace = `e2e${Date.now().toString(36)}`;
  let sdk: NodeSDK;
  let spanProcessor: SimpleSpanProcessor;
  let logProcessor: SimpleLogRecordProcessor;

  before(async () => {
    await provider.start();
    const connection = { url: process.env.ELASTICSEARCH_URL as string };
    spanProcessor = new SimpleSpanProcessor({
      exporter: new ElasticsearchSpanExporter({ connection, namespace }),
    });
    logProcessor = new SimpleLogRecordProcessor({
      exporter: new ElasticsearchLogRecordExporter({ connection, namespace }),
    });
    sdk = new NodeSDK({
      resource: resourceFromAttributes({
        'service.name': 'checkout-e2e',
        'service.version': '1.0.0',
      }),
      // First: they stamp elkhound.transaction.id, which the mapping writes as transaction.id.
      spanProcessors: [new TransactionSpanProcessor(), spanProcessor],
      logRecordProcessors: [new TransactionLogRecordProcessor(), logProcessor],
      instrumentations: [new GenAIInstrumentation()],
    });
    sdk.start();
  });

  after(async () => {
    await sdk.shutdown();
    await provider.stop();
  });

  it('finds the request span, the GenAI span and the log written inside it with one query by trace.id', async () => {
    // Loaded after sdk.start(): the instrumentation hooks `openai` when it is first required.
    const OpenAI = (createRequire(__filename)('openai') as typeof import('openai')).default;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: provider.baseURL, maxRetries: 0 });
    const tracer = trace.getTracer('checkout-app');
    const logger = logs.getLogger('checkout-app');
    const traceId = await tracer.startActiveSpan('POST /checkout', { kind: 1 }, async (request) => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Summarise my order' }],
      });
      logger.emit({
        body: `model answered: ${completion.choices[0]?.message.content}`,
        severityNumber: 9,
        severityText: 'INFO',
      });
      request.end();
      return request.spanContext().traceId;
    });
    // A Simple processor holds a span back until the resource's asynchronous attributes (the
    // host id) are read; NodeSDK.shutdown() does not wait for it, forceFlush() does.
    await Promise.all([spanProcessor.forceFlush(), logProcessor.forceFlush()]);
    await sdk.shutdown().catch(() => undefined);

    const client2 = elasticsearchClient();
    try {
      await client2.indices.refresh({ index: `*-elkhound-${namespace}` });
      const found = await client2.search<Source>({
        index: `traces-elkhound-${namespace},logs-elkhound-${namespace}`,
        query: { term: { 'trace.id': traceId } },
        size: 10,
      });
      const sources = found.hits.hits.map((hit) => hit._source as Source);
      const transaction = sources.find((source) => source.processor?.event === 'transaction');
      const genAi = sources.find((source) => source.processor?.event === 'span');
      const log = sources.find((source) => source.processor?.event === 'log');
      assert.equal(sources.length, 3, JSON.stringify(sources.map((source) => source.processor)));
      assert.equal(
        genAi?.parent?.id,
        transaction?.span?.id,
        'the GenAI span is a child of the request',
      );
      assert.equal(genAi?.span?.name, 'chat gpt-4o-mini');
      assert.equal(genAi?.gen_ai?.usage?.input_tokens, 1240);
      assert.ok((genAi?.elkhound?.cost?.total ?? 0) > 0);
      assert.match(genAi?.elkhound?.prompt?.hash ?? '', /^sha256:/);
      assert.equal(
        log?.span?.id,
        transaction?.span?.id,
        'the log is correlated with the span it was written in',
      );
      assert.match(log?.message ?? '', /^model answered: Your order/);
      assert.equal(transaction?.transaction?.id, transaction?.span?.id);
      assert.equal(
        genAi?.transaction?.id,
        transaction?.span?.id,
        'the GenAI span names its transaction',
      );
      assert.equal(log?.transaction?.id, transaction?.span?.id, 'the log names its transaction');
      assert.equal(log?.service?.name, 'checkout-e2e');
    } finally {
      await client2.close();
    }
  });
});
