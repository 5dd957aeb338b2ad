import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { calcPrice } from '@pydantic/genai-prices';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FakeBedrock } from '@elkhound/test-support';
import { bedrockModel } from '../src/providers/bedrock/index';
import { loadVersions } from './support/sdks';
import { eventually, resetTelemetry, spans, settledOnly } from './support/telemetry';

type BedrockModule = typeof import('@aws-sdk/client-bedrock-runtime');

const SDKS = loadVersions<BedrockModule>(
  '@aws-sdk/client-bedrock-runtime',
  'bedrock-runtime-v3-600',
);
const CLAUDE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected an error'),
    (error: unknown) => error,
  );
}

const decoder = new TextDecoder();

for (const sdk of SDKS) {
  const bedrock = sdk.module;

  describe(`bedrock runtime: ${sdk.label}`, function () {
    const server = new FakeBedrock();
    let client: InstanceType<BedrockModule['BedrockRuntimeClient']>;

    // As NodeSDK does: the endpoint middleware finds the span through the active context.
    const contextManager = new AsyncLocalStorageContextManager();

    before(async () => {
      context.setGlobalContextManager(contextManager.enable());
      await server.start();
      client = new bedrock.BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: server.origin,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        maxAttempts: 1,
        // The local server speaks HTTP/1.1; newer SDKs would use HTTP/2 for Bedrock Runtime.
        requestHandler: new NodeHttpHandler(),
      });
    });
    after(async () => {
      await server.stop();
      contextManager.disable();
      context.disable();
    });
    beforeEach(() => resetTelemetry());

    it('Converse: a CLIENT span, the regional model id priced as its foundation model, cache reads folded', async () => {
      const output = await client.send(
        new bedrock.ConverseCommand({
          modelId: CLAUDE,
          system: [{ text: 'You are the support assistant.' }],
          messages: [{ role: 'user', content: [{ text: 'When will my order ship?' }] }],
          inferenceConfig: { maxTokens: 256, temperature: 0.2 },
        }),
      );
      assert.equal(output.stopReason, 'end_turn');
      const span = await settledOnly();
      const a = span.attributes;
      assert.equal(span.name, 'chat anthropic.claude-3-5-haiku-20241022-v1:0');
      assert.equal(span.kind, SpanKind.CLIENT);
      assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
      assert.equal(a['gen_ai.request.max_tokens'], 256);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
      assert.equal(a['gen_ai.usage.input_tokens'], 30 + 2048);
      assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 2048);
      assert.equal(a['gen_ai.usage.output_tokens'], 21);
      // The endpoint the SDK resolved (here the custom `endpoint` of the local server).
      assert.equal(a['server.address'], '127.0.0.1');
      assert.equal(a['server.port'], Number(new URL(server.origin).port));
      const direct = calcPrice(
        { input_tokens: 2078, cache_read_tokens: 2048, output_tokens: 21 },
        'anthropic.claude-3-5-haiku-20241022-v1:0',
        { providerId: 'aws' },
      );
      assert.ok(direct, 'genai-prices knows the foundation model');
      assert.ok(Math.abs((a['elkhound.cost.total'] as number) - direct.total_price) < 1e-12);
      assert.match(String(a['elkhound.prompt.system_hash']), /^sha256:/);
    });

    it('ConverseStream: one span, usage from the metadata event, the stream read only by the app', async () => {
      const output = await client.send(
        new bedrock.ConverseStreamCommand({
          modelId: NOVA,
          messages: [{ role: 'user', content: [{ text: 'When will my order ship?' }] }],
        }),
      );
      assert.equal(spans.getFinishedSpans().length, 0, 'nothing read ahead of the app');
      let text = '';
      for await (const event of output.stream ?? [])
        text += event.contentBlockDelta?.delta?.text ?? '';
      assert.equal(text, 'Your order ships within two business days.');
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(a['gen_ai.usage.input_tokens'], 30);
      assert.equal(a['gen_ai.usage.output_tokens'], 11);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
      assert.ok((a['gen_ai.response.time_to_first_chunk'] as number) > 0);
    });

    for (const [modelId, input, output, reason] of [
      [CLAUDE, 22, 12, 'end_turn'],
      ['meta.llama3-1-70b-instruct-v1:0', 19, 10, 'stop'],
      ['amazon.nova-lite-v1:0', 14, 10, 'end_turn'],
      ['cohere.command-r-plus-v1:0', 8, 10, 'complete'],
    ] as const) {
      it(`InvokeModel ${modelId}: usage parsed from the family's body, the body left for the app`, async () => {
        const result = await client.send(
          new bedrock.InvokeModelCommand({
            modelId,
            contentType: 'application/json',
            body: JSON.stringify({
              anthropic_version: 'bedrock-2023-05-31',
              max_tokens: 128,
              messages: [{ role: 'user', content: 'hi' }],
            }),
          }),
        );
        assert.match(decoder.decode(result.body), /two business days/);
        const a = (await settledOnly()).attributes;
        assert.equal(a['gen_ai.usage.input_tokens'], input);
        assert.equal(a['gen_ai.usage.output_tokens'], output);
        assert.deepEqual(a['gen_ai.response.finish_reasons'], [reason]);
      });
    }

    it('InvokeModelWithResponseStream (Anthropic): usage from the events, the final invocation metrics', async () => {
      const result = await client.send(
        new bedrock.InvokeModelWithResponseStreamCommand({
          modelId: CLAUDE,
          contentType: 'application/json',
          body: JSON.stringify({
            anthropic_version: 'bedrock-2023-05-31',
            max_tokens: 128,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }),
      );
      let events = 0;
      for await (const event of result.body ?? []) if (event.chunk?.bytes) events++;
      assert.equal(events, 7);
      const a = (await settledOnly()).attributes;
      assert.equal(a['gen_ai.response.id'], 'msg_bdrk_01StreamA');
      assert.equal(a['gen_ai.usage.input_tokens'], 22);
      assert.equal(a['gen_ai.usage.output_tokens'], 12);
      assert.ok((a['elkhound.cost.total'] as number) > 0);
    });

    it('a stream the app leaves early ends its span once', async () => {
      const output = await client.send(
        new bedrock.ConverseStreamCommand({
          modelId: NOVA,
          messages: [{ role: 'user', content: [{ text: 'hi' }] }],
        }),
      );
      for await (const event of output.stream ?? []) if (event.contentBlockDelta) break;
      await eventually(() => assert.equal(spans.getFinishedSpans().length, 1));
    });

    it('other commands pass through without a span', async () => {
      // 3.600 has only the four model commands; newer versions add guardrails, token counting, …
      const Other = (
        bedrock as unknown as Record<string, (new (input: object) => object) | undefined>
      ).ApplyGuardrailCommand;
      if (!Other) {
        assert.equal(sdk.version, '3.600.0');
        return;
      }
      const error = await rejection(
        client.send(
          new Other({
            guardrailIdentifier: 'g',
            guardrailVersion: '1',
            source: 'INPUT',
            content: [],
          }) as never,
        ),
      );
      assert.ok(error instanceof Error);
      assert.equal(spans.getFinishedSpans().length, 0);
    });

    for (const [marker, category, name] of [
      ['rate_limit', 'rate_limit', 'ThrottlingException'],
      ['context_length', 'context_length', 'ValidationException'],
      ['forbidden', 'authentication', 'AccessDeniedException'],
      ['server_error', 'server_error', 'InternalServerException'],
    ] as const) {
      it(`${name}: the SDK's own exception reaches the app, the span says ${category}`, async () => {
        const error = await rejection(
          client.send(
            new bedrock.ConverseCommand({
              modelId: CLAUDE,
              messages: [{ role: 'user', content: [{ text: `[fixture:${marker}]` }] }],
            }),
          ),
        );
        assert.equal((error as Error).name, name);
        const span = await settledOnly();
        assert.equal(span.status.code, SpanStatusCode.ERROR);
        assert.equal(span.attributes['elkhound.error.category'], category);
      });
    }
  });
}

describe('bedrock model ids', () => {
  it('cross-region inference profiles and ARNs name their foundation model', () => {
    assert.equal(
      bedrockModel('us.anthropic.claude-3-5-haiku-20241022-v1:0'),
      'anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    assert.equal(
      bedrockModel('global.anthropic.claude-sonnet-4-20250514-v1:0'),
      'anthropic.claude-sonnet-4-20250514-v1:0',
    );
    assert.equal(
      bedrockModel(
        'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.meta.llama3-2-3b-instruct-v1:0',
      ),
      'meta.llama3-2-3b-instruct-v1:0',
    );
    assert.equal(
      bedrockModel('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0'),
      'amazon.nova-pro-v1:0',
    );
  });
});
