import assert from 'node:assert/strict';
import type { Attributes } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { calcPrice } from '@pydantic/genai-prices';
import { GenAICostSpanProcessor } from '../src';

describe('GenAICostSpanProcessor: prices the model calls of frameworks Elkhound does not see', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new GenAICostSpanProcessor(), new SimpleSpanProcessor({ exporter })],
  });

  function ended(attributes: Attributes, scope = 'some-framework'): Attributes {
    exporter.reset();
    provider.getTracer(scope).startSpan('span', { attributes }).end();
    return exporter.getFinishedSpans()[0]?.attributes ?? {};
  }

  const call = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.usage.input_tokens': 2000,
    'gen_ai.usage.cache_read.input_tokens': 500,
    'gen_ai.usage.output_tokens': 300,
  };

  it('a model-call span with usage gets the cost genai-prices computes', () => {
    const attributes = ended(call);
    const expected = calcPrice(
      { input_tokens: 2000, cache_read_tokens: 500, output_tokens: 300 },
      'claude-sonnet-4-5',
      { providerId: 'anthropic' },
    );
    assert.ok(expected);
    assert.ok(Math.abs(Number(attributes['elkhound.cost.total']) - expected.total_price) < 1e-12);
    assert.equal(typeof attributes['elkhound.pricing.version'], 'string');
  });

  it('an unknown model is unpriced, never 0', () => {
    const attributes = ended({ ...call, 'gen_ai.request.model': 'no-such-model-xyz' });
    assert.equal(attributes['elkhound.cost.unpriced'], true);
    assert.equal(attributes['elkhound.cost.total'], undefined);
  });

  it('leaves alone: delegated calls, agents, spans without usage, Elkhound’s own spans', () => {
    for (const [attributes, scope] of [
      [{ ...call, 'elkhound.usage.delegated': true }, 'ai'],
      [{ ...call, 'gen_ai.operation.name': 'invoke_agent' }, 'ai'],
      [
        {
          ...call,
          'gen_ai.usage.input_tokens': undefined,
          'gen_ai.usage.output_tokens': undefined,
        },
        'ai',
      ],
      [call, '@elkhound/instrumentation-genai'],
      [{ 'http.request.method': 'GET' }, 'http'],
    ] as const) {
      const out = ended(attributes as Attributes, scope);
      assert.equal(out['elkhound.cost.total'], undefined, JSON.stringify(attributes));
      assert.equal(out['elkhound.cost.unpriced'], undefined, JSON.stringify(attributes));
    }
  });
});
