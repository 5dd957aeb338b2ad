import {
  context,
  diag,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { PriceBook, Usage } from '@elkhound/pricing';
import { categorize } from './errors';
import type { PromptHasher } from './prompt-hash';
import * as semconv from './semconv';

/** What a provider file tells the core about a request, before it is sent. */
export interface GenAIRequest {
  operation: string;
  provider: string;
  model?: string;
  serverAddress?: string;
  serverPort?: number;
  stream: boolean;
  /** Request parameters as convention attributes (temperature, max_tokens, …). */
  attributes: Attributes;
  /** The canonical prompt parts hashed into elkhound.prompt.hash / system_hash. */
  prompt?: { system: unknown[]; messages: unknown[]; tools?: unknown[] };
}

/** What a provider file read from a response (whole, or accumulated from a stream). */
export interface GenAIResponse {
  id?: string;
  model?: string;
  finishReasons?: string[];
  usage?: Usage;
  /** Output texts, in choice order, for elkhound.completion.hash. */
  outputs?: string[];
}

export interface RecorderDependencies {
  tracer: () => Tracer;
  hasher: () => PromptHasher | undefined;
  pricing: () => PriceBook | undefined;
}

/**
 * One model call: the CLIENT span started with the sampling-relevant attributes, ended exactly
 * once with the response's attributes, usage, cost and hashes, or with the error.
 */
export class GenAICall {
  private ended = false;
  private firstChunkAt?: number;
  readonly span: Span;
  private readonly startedAt = performance.now();

  constructor(
    private readonly dependencies: RecorderDependencies,
    private readonly request: GenAIRequest,
  ) {
    const attributes: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: request.operation,
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: request.provider,
      ...request.attributes,
    };
    if (request.model) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = request.model;
    if (request.serverAddress) attributes[semconv.ATTR_SERVER_ADDRESS] = request.serverAddress;
    if (request.serverPort !== undefined) attributes[semconv.ATTR_SERVER_PORT] = request.serverPort;
    if (request.stream) attributes[semconv.ATTR_GEN_AI_REQUEST_STREAM] = true;
    this.span = dependencies
      .tracer()
      .startSpan(
        request.model ? `${request.operation} ${request.model}` : request.operation,
        { kind: SpanKind.CLIENT, attributes },
        context.active(),
      );
    this.hashPrompt();
  }

  /** The context in which the SDK's own HTTP call runs (so HTTP spans nest under this one). */
  context() {
    return trace.setSpan(context.active(), this.span);
  }

  chunk(): void {
    this.firstChunkAt ??= performance.now();
  }

  end(response: GenAIResponse): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.recordResponse(response);
    } catch (error) {
      diag.error('elkhound: could not record a GenAI response', error);
    }
    this.span.end();
  }

  fail(error: unknown, partial?: GenAIResponse): void {
    if (this.ended) return;
    this.ended = true;
    try {
      if (partial) this.recordResponse(partial);
      const { category, type } = categorize(error);
      this.span.setAttribute(semconv.ATTR_ERROR_TYPE, type);
      this.span.setAttribute(semconv.ATTR_ELKHOUND_ERROR_CATEGORY, category);
      this.span.recordException(error instanceof Error ? error : String(error));
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    } catch (failure) {
      diag.error('elkhound: could not record a GenAI error', failure);
    }
    this.span.end();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private hashPrompt(): void {
    const prompt = this.request.prompt;
    if (!prompt) return;
    try {
      const hasher = this.dependencies.hasher();
      if (!hasher) return;
      this.span.setAttribute(semconv.ATTR_ELKHOUND_PROMPT_HASH, hasher.hash(prompt));
      if (prompt.system.length > 0)
        this.span.setAttribute(
          semconv.ATTR_ELKHOUND_PROMPT_SYSTEM_HASH,
          hasher.hash(prompt.system),
        );
    } catch (error) {
      diag.error('elkhound: could not hash a prompt', error);
    }
  }

  private recordResponse(response: GenAIResponse): void {
    const span = this.span;
    if (response.id) span.setAttribute(semconv.ATTR_GEN_AI_RESPONSE_ID, response.id);
    if (response.model) span.setAttribute(semconv.ATTR_GEN_AI_RESPONSE_MODEL, response.model);
    if (response.finishReasons?.length)
      span.setAttribute(semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, response.finishReasons);
    if (this.firstChunkAt !== undefined) {
      span.setAttribute(
        semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
        (this.firstChunkAt - this.startedAt) / 1000,
      );
    }
    const usage = response.usage;
    if (usage) {
      span.setAttribute(semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
      span.setAttribute(semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
      if (usage.cacheReadTokens !== undefined)
        span.setAttribute(semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadTokens);
      if (usage.cacheWriteTokens !== undefined)
        span.setAttribute(
          semconv.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
          usage.cacheWriteTokens,
        );
      if (usage.reasoningTokens !== undefined)
        span.setAttribute(semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens);
      this.recordCost(usage, response.model);
    }
    if (response.outputs && response.outputs.length > 0) {
      const hasher = this.dependencies.hasher();
      if (hasher)
        span.setAttribute(semconv.ATTR_ELKHOUND_COMPLETION_HASH, hasher.hash(response.outputs));
    }
  }

  private recordCost(usage: Usage, responseModel: string | undefined): void {
    try {
      const pricing = this.dependencies.pricing();
      if (!pricing) return;
      const query: Parameters<PriceBook['price']>[0] = { provider: this.request.provider, usage };
      if (this.request.model) query.requestModel = this.request.model;
      if (responseModel) query.responseModel = responseModel;
      const cost = pricing.price(query);
      this.span.setAttribute(semconv.ATTR_ELKHOUND_PRICING_VERSION, cost.pricingVersion);
      if (!cost.priced) {
        this.span.setAttribute(semconv.ATTR_ELKHOUND_COST_UNPRICED, true);
        return;
      }
      this.span.setAttributes({
        [semconv.ATTR_ELKHOUND_COST_TOTAL]: cost.total,
        [semconv.ATTR_ELKHOUND_COST_INPUT]: cost.input,
        [semconv.ATTR_ELKHOUND_COST_OUTPUT]: cost.output,
        [semconv.ATTR_ELKHOUND_COST_CURRENCY]: cost.currency,
        [semconv.ATTR_ELKHOUND_COST_SOURCE]: cost.source,
      });
    } catch (error) {
      diag.error('elkhound: could not price a GenAI call', error);
    }
  }
}
