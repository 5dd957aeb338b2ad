// A known set of GenAI calls, as the instrumentation records them, mapped to ECS span documents
// by @elkhound/ecs (exactly what the sidecar and the exporters write), with the figures a report
// of them must show.
import { createHash } from 'node:crypto';
import { encodeSpans, type EcsDocument } from '@elkhound/ecs';
import type { Attributes, HrTime, ResourceSpans, Span } from '@elkhound/otlp';

export interface Call {
  service: string;
  model: string;
  provider: string;
  /** Milliseconds before `base`. */
  agoMs: number;
  durationMs: number;
  inputTokens?: number;
  outputTokens?: number;
  cost?: number;
  /** `elkhound.cost.source`: `estimated` when the cost rests on estimated tokens. */
  costSource?: string;
  unpriced?: boolean;
  unpricedReason?: string;
  category?: string;
  firstChunkSeconds?: number;
  prompt?: string;
}

function hrTime(milliseconds: number): HrTime {
  return [Math.floor(milliseconds / 1000), (milliseconds % 1000) * 1_000_000];
}

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export const PROMPT_A = `sha256:${hex('prompt a', 64)}`;
export const PROMPT_B = `sha256:${hex('prompt b', 64)}`;

export function calls(): Call[] {
  const list: Call[] = [];
  for (let index = 0; index < 8; index++)
    list.push({
      service: 'checkout',
      model: 'gpt-4o-mini',
      provider: 'openai',
      agoMs: 20 * 60_000 - index * 60_000,
      durationMs: 100 * (index + 1),
      inputTokens: 100 + index,
      outputTokens: 20,
      cost: 0.001 * (index + 1),
      // The last two streams reported no usage: their tokens and cost are estimated.
      costSource: index >= 6 ? 'estimated' : 'local',
      ...(index < 2 ? { category: 'rate_limit' } : {}),
      ...(index >= 5 ? { firstChunkSeconds: 0.05 * (index - 4) } : {}),
      ...(index < 4 ? { prompt: PROMPT_A } : { prompt: `sha256:${hex(`unique ${index}`, 64)}` }),
    });
  for (let index = 0; index < 4; index++)
    list.push({
      service: 'search',
      model: 'text-embedding-3-small',
      provider: 'openai',
      agoMs: 10 * 60_000 - index * 30_000,
      durationMs: 20 + index,
      inputTokens: 50,
      outputTokens: 0,
      cost: 0.00001,
      ...(index === 3 ? { category: 'timeout' } : {}),
    });
  for (let index = 0; index < 2; index++)
    list.push({
      service: 'search',
      model: 'house-model-7b',
      provider: 'openai',
      agoMs: 5 * 60_000 - index * 1000,
      durationMs: 900 + index,
      inputTokens: 300,
      outputTokens: 60,
      unpriced: true,
      // The second one before reasons were recorded.
      ...(index === 0 ? { unpricedReason: 'unknown_model' } : {}),
      prompt: PROMPT_B,
    });
  // Outside a one-hour range.
  list.push({
    service: 'checkout',
    model: 'gpt-4o-mini',
    provider: 'openai',
    agoMs: 2 * 3_600_000,
    durationMs: 5000,
    inputTokens: 1000,
    outputTokens: 1000,
    cost: 1,
  });
  return list;
}

function spanOf(call: Call, index: number, base: number): Span {
  const attributes: Attributes = {
    'gen_ai.operation.name': call.model.startsWith('text-embedding') ? 'embeddings' : 'chat',
    'gen_ai.provider.name': call.provider,
    'gen_ai.request.model': call.model,
  };
  if (call.inputTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = call.inputTokens;
  if (call.outputTokens !== undefined) attributes['gen_ai.usage.output_tokens'] = call.outputTokens;
  if (call.cost !== undefined) attributes['elkhound.cost.total'] = call.cost;
  if (call.costSource) attributes['elkhound.cost.source'] = call.costSource;
  if (call.unpriced) attributes['elkhound.cost.unpriced'] = true;
  if (call.unpricedReason) attributes['elkhound.cost.unpriced_reason'] = call.unpricedReason;
  if (call.category) {
    attributes['elkhound.error.category'] = call.category;
    attributes['error.type'] = 'APIError';
  }
  if (call.firstChunkSeconds !== undefined) {
    attributes['gen_ai.request.stream'] = true;
    attributes['gen_ai.response.time_to_first_chunk'] = call.firstChunkSeconds;
  }
  if (call.prompt) attributes['elkhound.prompt.hash'] = call.prompt;
  const start = base - call.agoMs;
  return {
    traceId: hex(`trace ${index}`, 32),
    spanId: hex(`span ${index}`, 16),
    parentSpanId: hex(`parent ${index}`, 16),
    name: `${attributes['gen_ai.operation.name'] as string} ${call.model}`,
    kind: 3,
    startTime: hrTime(start),
    endTime: hrTime(start + call.durationMs),
    attributes,
    events: [],
    links: [],
    status: call.category ? { code: 2, message: 'failed' } : { code: 0 },
  };
}

/** ECS span documents of the calls, plus one HTTP server span that no report may count. */
export function documents(namespace: string, base: number): EcsDocument[] {
  const byService = new Map<string, Span[]>();
  calls().forEach((call, index) => {
    const spans = byService.get(call.service) ?? [];
    spans.push(spanOf(call, index, base));
    byService.set(call.service, spans);
  });
  const server: Span = {
    traceId: hex('server', 32),
    spanId: hex('server span', 16),
    name: 'POST /checkout',
    kind: 2,
    startTime: hrTime(base - 60_000),
    endTime: hrTime(base - 59_000),
    attributes: { 'http.request.method': 'POST' },
    events: [],
    links: [],
    status: { code: 0 },
  };
  (byService.get('checkout') as Span[]).push(server);
  // A framework's spans around a model call Elkhound recorded itself: an agent span and a chat
  // span marked delegated. Both carry the same usage; neither may be counted again.
  for (const [index, operation] of ['invoke_agent', 'chat'].entries()) {
    const framework = spanOf(
      {
        service: 'checkout',
        model: 'gpt-4o-mini',
        provider: 'openai',
        agoMs: 15 * 60_000,
        durationMs: 300,
        inputTokens: 100,
        outputTokens: 20,
        cost: 0.5,
      },
      1000 + index,
      base,
    );
    framework.attributes['gen_ai.operation.name'] = operation;
    if (operation === 'chat') framework.attributes['elkhound.usage.delegated'] = true;
    (byService.get('checkout') as Span[]).push(framework);
  }
  const requests: ResourceSpans[] = [...byService.entries()].map(([service, spans]) => ({
    resource: { attributes: { 'service.name': service } },
    scopeSpans: [{ scope: { name: '@elkhound/instrumentation-genai', version: '0.1.0' }, spans }],
  }));
  return encodeSpans(requests, { namespace });
}
