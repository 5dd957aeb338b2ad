import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { FakeCohere } from '@elkhound/test-support';
import { loadVersions } from './support/sdks';
import { eventually, resetTelemetry, spans, settledOnly, settledSpans } from './support/telemetry';

type CohereModule = typeof import('cohere-ai');

const SDKS = loadVersions<CohereModule>('cohere-ai', 'cohere-ai-v7');
const MODEL = 'command-r-plus';

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

for (const sdk of SDKS) {
  describe(`cohere: ${sdk.label}`, function () {
    const server = new FakeCohere();
    let v1: InstanceType<CohereModule['CohereClient']>;
    let v2: InstanceType<CohereModule['CohereClientV2']>;

    before(async () => {
      await server.start();
      v1 = new sdk.module.CohereClient({ token: 'test-key', environment: server.origin });
      v2 = new sdk.module.CohereClientV2({ token: 'test-key', environment: server.origin });
    });
    after(() => server.stop());
    beforeEach(() => resetTelemetry());

    it('v1 chat: a CLIENT span with the billed units as usage, the cost as genai-prices gives it', async () => {
      const response = await v1.chat({
        model: MODEL,
        message: 'When will my order ship?',
        preamble: 'You are the support assistant.',
        temperature: 0.3,
      });
      assert.match(response.text, /two business days/);
      const span = await settledOnly();
      const a = span.attributes;
      assert.equal(span.name, `chat ${MODEL}`);
      assert.equal(span.kind, SpanKind.CLIENT);
      assert.equal(a['gen_ai.provider.name'], 'cohere');
      assert.equal(a['gen_ai.request.temperature'], 0.3);
      assert.equal(a['gen_ai.response.id'], '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b');
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['complete']);
      assert.equal(a['gen_ai.usage.input_tokens'], 12);
      assert.equal(a['gen_ai.usage.output_tokens'], 19);
      const direct = calcPrice({ input_tokens: 12, output_tokens: 19 }, MODEL, {
        providerId: 'cohere',
      });
      assert.ok(direct);
      assert.ok(Math.abs((a['elkhound.cost.total'] as number) - direct.total_price) < 1e-12);
      assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:/);
    });

    it('v1 chatStream: one span, text and usage from the events', async () => {
      const stream = await v1.chatStream({ model: MODEL, message: 'When will my order ship?' });
      let text = '';
      for await (const event of stream)
        if (event.eventType === 'text-generation') text += event.text;
      assert.equal(text, 'Your order ships within two business days.');
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(a['gen_ai.usage.output_tokens'], 9);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['complete']);
      assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
    });

    it('v2 chat and chatStream: one span each', async () => {
      const response = await v2.chat({
        model: MODEL,
        messages: [{ role: 'user', content: 'When will my order ship?' }],
      });
      assert.equal(response.finishReason, 'COMPLETE');
      const plain = (await settledOnly()).attributes;
      assert.equal(plain['gen_ai.response.id'], 'c14c80c3-18eb-4519-9460-6c92edd8cfb4');
      assert.equal(plain['gen_ai.usage.input_tokens'], 14);
      resetTelemetry();
      const stream = await v2.chatStream({
        model: MODEL,
        messages: [{ role: 'user', content: 'When will my order ship?' }],
      });
      let text = '';
      for await (const event of stream)
        if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
      assert.equal(text, 'Your order ships within two business days.');
      const streamed = (await settledOnly()).attributes;
      assert.equal(streamed['gen_ai.response.id'], '29f14a5a-11de-4cae-9800-25e4747408ea');
      assert.equal(streamed['gen_ai.usage.output_tokens'], 9);
      assert.equal(plain['elkhound.prompt.hash'], streamed['elkhound.prompt.hash']);
    });

    it('a stream left after its first text ends its span once', async () => {
      const stream = await v2.chatStream({
        model: MODEL,
        messages: [{ role: 'user', content: 'hello' }],
      });
      for await (const event of stream) if (event.type === 'content-delta') break;
      await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
    });

    it('embed (v1 and v2) and rerank: embeddings spans with input tokens, a rerank span', async () => {
      await v1.embed({
        model: 'embed-english-v3.0',
        texts: ['shipping times'],
        inputType: 'search_document',
      });
      await v2.embed({
        model: 'embed-english-v3.0',
        texts: ['shipping times'],
        inputType: 'search_document',
        embeddingTypes: ['float'],
      });
      await v2.rerank({
        model: 'rerank-v3.5',
        query: 'shipping',
        documents: ['returns', 'shipping times'],
        topN: 2,
      });
      const finished = await settledSpans();
      assert.deepEqual(
        finished.map((span) => span.name),
        ['embeddings embed-english-v3.0', 'embeddings embed-english-v3.0', 'rerank rerank-v3.5'],
      );
      assert.equal(finished[0]?.attributes['gen_ai.usage.input_tokens'], 2);
      assert.deepEqual(finished[1]?.attributes['gen_ai.request.encoding_formats'], ['float']);
      assert.equal(finished[2]?.attributes['gen_ai.operation.name'], 'rerank');
      assert.equal(finished[2]?.attributes['gen_ai.request.top_n'], 2);
    });

    for (const [marker, category] of [
      ['unauthorized', 'authentication'],
      ['rate_limit', 'rate_limit'],
      ['context_length', 'context_length'],
      ['server_error', 'server_error'],
    ] as const) {
      it(`an API error (${marker}): the SDK's own error reaches the app, the span says ${category}`, async () => {
        const error = await rejection(
          v2.chat({
            model: MODEL,
            messages: [{ role: 'user', content: `hi [fixture:${marker}]` }],
          }),
        );
        assert.ok(error instanceof Error);
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['elkhound.error.category'], category);
      });
    }

    it('8.x keeps withRawResponse() on the public promise', async function () {
      const promise = v2.chat({
        model: MODEL,
        messages: [{ role: 'user', content: 'hello' }],
      }) as unknown as {
        withRawResponse?: () => Promise<{ data: unknown; rawResponse: { status: number } }>;
      };
      if (sdk.major < 8) {
        assert.equal(typeof promise.withRawResponse, 'undefined');
        await promise;
        return;
      }
      assert.equal(typeof promise.withRawResponse, 'function');
      const { rawResponse } = await (
        promise.withRawResponse as () => Promise<{ rawResponse: { status: number } }>
      )();
      assert.equal(rawResponse.status, 200);
      await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
    });
  });
}
