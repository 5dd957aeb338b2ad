import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { calcPrice } from '@pydantic/genai-prices';
import { FakeOpenAI } from '@elkhound/test-support';
import {
  resetTelemetry,
  spans,
  tracerProvider,
  settledOnly,
  settledSpans,
} from './support/telemetry';

type OpenAIModule = typeof import('openai');
const here = createRequire(__filename);

/** Model-call operations: the spans that carry one model call's usage (agents and tools do not). */
const MODEL_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/** The rule of docs/double-counting.md: what the report and the Kibana dashboard count. */
function counted(finished: ReadableSpan[]): ReadableSpan[] {
  return finished.filter(
    (span) =>
      MODEL_CALLS.has(String(span.attributes['gen_ai.operation.name'])) &&
      span.attributes['gen_ai.usage.input_tokens'] !== undefined &&
      span.attributes['elkhound.usage.delegated'] !== true,
  );
}

describe('no double counting: the Vercel AI SDK with its OpenTelemetry integration', function () {
  const server = new FakeOpenAI();
  let ai: typeof import('ai');
  // As NodeSDK does: without a context manager no span is the parent of another.
  const contextManager = new AsyncLocalStorageContextManager();

  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    await server.start();
    ai = here('ai') as typeof import('ai');
    const { OpenTelemetry } = here('@ai-sdk/otel') as typeof import('@ai-sdk/otel');
    ai.registerTelemetry(new OpenTelemetry({ tracer: tracerProvider.getTracer('ai') }));
  });
  after(async () => {
    await server.stop();
    contextManager.disable();
    context.disable();
  });
  beforeEach(() => resetTelemetry());

  it('over @ai-sdk/openai (fetch, no provider SDK): the AI SDK chat span is the one carrying usage', async () => {
    const { createOpenAI } = here('@ai-sdk/openai') as typeof import('@ai-sdk/openai');
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
    const result = await ai.generateText({
      model: provider.chat('gpt-4o-mini'),
      prompt: 'Summarise my order',
      experimental_telemetry: { isEnabled: true },
    });
    assert.match(result.text, /two items/);
    const finished = await settledSpans();
    assert.ok(
      finished.some((span) => span.name.startsWith('invoke_agent')),
      finished.map((span) => span.name).join(', '),
    );
    const calls = counted(finished);
    assert.equal(
      calls.length,
      1,
      finished.map((span) => `${span.name} ${JSON.stringify(span.attributes)}`).join('\n'),
    );
    assert.equal(calls[0]?.instrumentationScope.name, 'ai');
    // Priced by the cost processor, as @pydantic/genai-prices prices the same usage.
    const call = calls[0] as ReadableSpan;
    const expected = calcPrice(
      { input_tokens: 1240, cache_read_tokens: 1024, output_tokens: 96 },
      String(call.attributes['gen_ai.response.model']),
      { providerId: 'openai' },
    );
    assert.ok(expected, 'genai-prices knows the model');
    assert.ok(
      Math.abs(Number(call.attributes['elkhound.cost.total']) - expected.total_price) < 1e-12,
      `cost ${String(call.attributes['elkhound.cost.total'])} vs ${expected.total_price}`,
    );
    assert.equal(call.attributes['elkhound.cost.currency'], 'USD');
    // The agent span sums the same call: never priced, never counted.
    for (const span of finished.filter(
      (span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent',
    ))
      assert.equal(span.attributes['elkhound.cost.total'], undefined);
  });

  it('over a provider built on the openai SDK: Elkhound’s span carries usage and cost, the AI SDK’s is marked delegated', async () => {
    const OpenAI = (here('openai') as OpenAIModule).default;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    // A minimal AI SDK language model over the real openai client (as a LangChain-style wrapper
    // of a provider SDK would be): the AI SDK's spans wrap the SDK call Elkhound instruments.
    const model = {
      specificationVersion: 'v4' as const,
      provider: 'openai.sdk',
      modelId: 'gpt-4o-mini',
      supportedUrls: {},
      async doGenerate(options: { prompt: Array<{ role: string; content: unknown }> }) {
        const messages = options.prompt.map((message) => ({
          role: message.role as 'user',
          content: Array.isArray(message.content)
            ? (message.content as Array<{ text?: string }>).map((part) => part.text ?? '').join('')
            : String(message.content),
        }));
        const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
        const usage = completion.usage;
        return {
          content: [{ type: 'text' as const, text: completion.choices[0]?.message.content ?? '' }],
          finishReason: { unified: 'stop' as const, raw: 'stop' },
          usage: {
            inputTokens: {
              total: usage?.prompt_tokens,
              noCache: undefined,
              cacheRead: undefined,
              cacheWrite: undefined,
            },
            outputTokens: {
              total: usage?.completion_tokens,
              text: undefined,
              reasoning: undefined,
            },
          },
          warnings: [],
        };
      },
      async doStream(): Promise<never> {
        throw new Error('not used');
      },
    };
    await ai.generateText({
      model: model as never,
      prompt: 'Summarise my order',
      experimental_telemetry: { isEnabled: true },
    });
    const finished = await settledSpans();
    const calls = counted(finished);
    assert.equal(
      calls.length,
      1,
      finished.map((span) => `${span.name} ${JSON.stringify(span.attributes)}`).join('\n'),
    );
    assert.equal(calls[0]?.instrumentationScope.name, '@elkhound/instrumentation-genai');
    assert.equal(
      finished.filter((span) => span.attributes['elkhound.cost.total'] !== undefined).length,
      1,
    );
    const framework = finished.find(
      (span) =>
        span.instrumentationScope.name === 'ai' &&
        span.attributes['gen_ai.operation.name'] === 'chat',
    );
    assert.equal(framework?.attributes['elkhound.usage.delegated'], true);
  });

  it('a plain openai call (no framework around it) is not marked', async () => {
    const OpenAI = (here('openai') as OpenAIModule).default;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal((await settledOnly()).attributes['elkhound.usage.delegated'], undefined);
    assert.equal(counted(spans.getFinishedSpans()).length, 1);
  });
});
