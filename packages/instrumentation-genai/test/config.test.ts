import assert from 'node:assert/strict';
import { PriceBook } from '@elkhound/pricing';
import {
  DEFAULT_MAX_CONTENT_LENGTH,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  resolveConfig,
  type GenAIInstrumentationConfig,
} from '../src';

describe('configuration (options over environment variables)', () => {
  it('has safe defaults: no content, hashes on, the documented limits', () => {
    const { settings, problems } = resolveConfig({}, {});
    assert.deepEqual(problems, []);
    assert.equal(settings.captureContent, false);
    assert.equal(settings.contentOnSpan, false);
    assert.equal(settings.contentOnEvent, false);
    assert.equal(settings.redactBuiltIn, true);
    assert.equal(settings.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH);
    assert.equal(settings.streamIdleTimeoutMs, DEFAULT_STREAM_IDLE_TIMEOUT_MS);
    assert.equal(settings.hasher?.hash('x').startsWith('sha256:'), true);
    assert.deepEqual(settings.providerHosts, {});
  });

  it('reads OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, its destinations, and lets the option win', () => {
    const cases: Array<[string, boolean, boolean]> = [
      ['true', true, false],
      ['TRUE', true, false],
      ['false', false, false],
      ['no_content', false, false],
      ['span_only', true, false],
      ['event_only', false, true],
      ['span_and_event', true, true],
    ];
    for (const [value, onSpan, onEvent] of cases) {
      const { settings } = resolveConfig(
        {},
        { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: value },
      );
      assert.equal(settings.contentOnSpan, onSpan, value);
      assert.equal(settings.contentOnEvent, onEvent, value);
    }
    const off = resolveConfig(
      { captureMessageContent: false },
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
    ).settings;
    assert.equal(off.captureContent, false);
    const both = resolveConfig(
      { captureMessageContent: true, contentDestination: 'both' },
      {},
    ).settings;
    assert.equal(both.contentOnSpan && both.contentOnEvent, true);
  });

  it('reads ELKHOUND_PROMPT_HASH, ELKHOUND_PROMPT_HASH_KEY and ELKHOUND_PROVIDER_HOSTS', () => {
    assert.equal(resolveConfig({}, { ELKHOUND_PROMPT_HASH: 'off' }).settings.hasher, undefined);
    assert.equal(resolveConfig({}, { ELKHOUND_PROMPT_HASH: '0' }).settings.hasher, undefined);
    const keyed = resolveConfig({}, { ELKHOUND_PROMPT_HASH_KEY: 'k' }).settings.hasher;
    assert.match(keyed?.hash('x') ?? '', /^hmac-sha256:/);
    const { settings } = resolveConfig(
      { providerHosts: { 'gw.example': 'openrouter' } },
      { ELKHOUND_PROVIDER_HOSTS: 'llm.internal.example=openai, Gateway.Example:8443=groq' },
    );
    assert.deepEqual(settings.providerHosts, {
      'llm.internal.example': 'openai',
      'gateway.example:8443': 'groq',
      'gw.example': 'openrouter',
    });
  });

  it('rejects wrong values with a message naming the key, the value and what was expected, and keeps the default', () => {
    const { settings, problems } = resolveConfig(
      {
        captureMessageContent: 'yes',
        contentDestination: 'file',
        maxContentLength: -5,
        streamIdleTimeoutMs: 1.5,
        redact: 'none',
        pricing: {},
        providerHosts: { 'a.example': 'Not A Provider' },
      } as unknown as GenAIInstrumentationConfig,
      {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'sometimes',
        ELKHOUND_PROMPT_HASH: 'maybe',
        ELKHOUND_PROVIDER_HOSTS: 'llm.internal.example',
      },
    );
    assert.deepEqual(problems, [
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="sometimes" is not valid: expected true, false, span_only, event_only, span_and_event or no_content',
      'captureMessageContent="yes" is not valid: expected a boolean',
      `contentDestination="file" is not valid: expected 'span', 'event' or 'both'`,
      'redact="string" is not valid: expected a function (text, context) => string',
      'maxContentLength=-5 is not valid: expected an integer >= 1',
      'streamIdleTimeoutMs=1.5 is not valid: expected an integer >= 0',
      'ELKHOUND_PROMPT_HASH="maybe" is not valid: expected on or off',
      'pricing="object" is not valid: expected a PriceBook from @elkhound/pricing',
      'ELKHOUND_PROVIDER_HOSTS="llm.internal.example" is not valid: expected host=provider, e.g. llm.example=openai',
      'providerHosts[a.example]="Not A Provider" is not valid: expected a provider name such as openai or groq',
    ]);
    assert.equal(settings.captureContent, false);
    assert.equal(settings.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH);
    assert.equal(settings.streamIdleTimeoutMs, DEFAULT_STREAM_IDLE_TIMEOUT_MS);
    assert.ok(settings.hasher);
  });

  it('takes a PriceBook', () => {
    const book = PriceBook.load({ overridesFile: '' });
    assert.equal(resolveConfig({ pricing: book }, {}).settings.pricing, book);
  });
});
