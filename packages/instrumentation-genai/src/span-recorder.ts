import {
  context,
  diag,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
  type AnyValue,
  type Attributes,
  type Context,
  type Logger,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { PriceBook, Usage } from '@elkhound/pricing';
import type { ResolvedConfig } from './config';
import {
  contentAttributes,
  sanitiseContent,
  type CapturedContent,
  type OutputMessage,
} from './content';
import { addCostAttributes, unpricedAttributes } from './cost';
import type { PromptTexts } from './estimate';
import { estimateWorker } from './estimator';
import { categorize, type ErrorCategory } from './errors';
import { unwatchIdle, watchIdle, type IdleWatched } from './idle-watch';
import { callMetricAttributes, type CallAttributeSets, type GenAIMetrics } from './metrics';
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
  /** The request's content in the conventions' schema; called only when capture is on. */
  content?: () => CapturedContent;
  /**
   * The texts the model reads, for an estimate when the provider reports no usage; called only
   * then, when the span ends (the provider file keeps what it needs, e.g. a copy of the messages
   * array, since the app may change its own later).
   */
  promptTexts?: () => PromptTexts;
}

/** What a provider file read from a response (whole, or accumulated from a stream). */
export interface GenAIResponse {
  id?: string;
  model?: string;
  finishReasons?: string[];
  usage?: Usage;
  /** Output texts, in choice order, for elkhound.completion.hash. */
  outputs?: string[];
  /** The output messages in the conventions' schema; called only when capture is on. */
  content?: () => OutputMessage[];
  /** Tool-call names and arguments the model generated: output tokens for an estimate. */
  toolCallTexts?: string[];
  /** Why the call has no token price although it succeeded (a rerank billed in search units). */
  unpricedReason?: 'no_price_for_unit';
}

/** What every call needs from the instrumentation, read at call time (config may change). */
export interface RecorderDependencies {
  tracer: () => Tracer;
  logger: () => Logger;
  metrics: () => GenAIMetrics;
  settings: () => ResolvedConfig;
  pricing: () => PriceBook | undefined;
}

/** A performance.now() reading as the epoch time the SDK takes for a span's end. */
function hrTimeOf(performanceMs: number): [number, number] {
  const epochMs = performance.timeOrigin + performanceMs;
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6));
  return [seconds, nanos];
}

/**
 * Streams (and responses) the app never reads to the end: a stream object collected by the
 * garbage collector ends its span from here. Its held value is the call, which never references
 * the stream, so registering does not keep the stream alive.
 */
const abandonedStreams = new FinalizationRegistry<GenAICall>((call) => call.abandon());

/**
 * A framework's GenAI span around this model call (the Vercel AI SDK's `chat` span, LangChain's
 * LLM span) reports the same tokens: it is marked `elkhound.usage.delegated=true`, so that the
 * call's usage and cost are counted once — on Elkhound's own span — by the report, the Kibana
 * dashboard and anyone who filters on it (docs/double-counting.md). The framework's span is
 * still open (it waits for this call), so the attribute can be set on it.
 */
function markDelegated(parent: Context): void {
  const span = trace.getSpan(parent) as (Span & { attributes?: Attributes }) | undefined;
  if (!span?.isRecording()) return;
  const attributes = span.attributes;
  if (attributes && attributes[semconv.ATTR_GEN_AI_OPERATION_NAME] !== undefined)
    span.setAttribute(semconv.ATTR_ELKHOUND_USAGE_DELEGATED, true);
}

/**
 * One model call: the CLIENT span started with the sampling-relevant attributes, ended exactly
 * once with the response's attributes, usage, cost, hashes, metrics and content, or with the error.
 */
export class GenAICall implements IdleWatched {
  readonly span: Span;
  private ended = false;
  private readonly startedAt = performance.now();
  private firstChunkAt: number | undefined;
  private lastChunkAt = 0;
  private lastActivityAt = 0;
  private reads = 0;
  /** In the idle watch (idle-watch.ts) until `idleDeadline`, then looked at again. */
  private idleWatched = false;
  idleDeadline = Infinity;
  /** Registered with `abandonedStreams` (only a stream is). */
  private registered = false;
  private readonly settings: ResolvedConfig;
  private readonly spanContext: Context;
  private contentValues: Record<string, AnyValue> | undefined;
  private chunkAttributes: Attributes | undefined;
  private cost: number | undefined;
  /** The usage recorded on the span: the provider's, or estimated. */
  private usage: Usage | undefined;
  /** The estimate worker's counts (or the fallback), when the provider reported no usage. */
  private estimated: Usage | undefined;
  /** Set by a stream observer: what was accumulated so far, for an abandoned stream. */
  partial: (() => GenAIResponse) | undefined;

  constructor(
    private readonly dependencies: RecorderDependencies,
    private readonly request: GenAIRequest,
  ) {
    this.settings = dependencies.settings();
    const attributes: Attributes = {
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: request.operation,
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: request.provider,
      ...request.attributes,
    };
    if (request.model) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = request.model;
    if (request.serverAddress) attributes[semconv.ATTR_SERVER_ADDRESS] = request.serverAddress;
    if (request.serverPort !== undefined) attributes[semconv.ATTR_SERVER_PORT] = request.serverPort;
    if (request.stream) attributes[semconv.ATTR_GEN_AI_REQUEST_STREAM] = true;
    this.hashPrompt(attributes);
    const parent = context.active();
    markDelegated(parent);
    this.span = dependencies
      .tracer()
      .startSpan(
        request.model ? `${request.operation} ${request.model}` : request.operation,
        { kind: SpanKind.CLIENT, attributes },
        parent,
      );
    this.spanContext = trace.setSpan(parent, this.span);
    // The request content is read now: the app (and runTools) may mutate its arrays later.
    if (this.settings.captureContent && request.content) {
      try {
        this.contentValues = sanitiseContent(request.content(), request.provider, this.settings);
      } catch (error) {
        diag.error('elkhound: could not capture the request content', error);
      }
    }
  }

  /** The context in which the SDK's own HTTP call runs (so HTTP spans nest under this one). */
  context(): Context {
    return this.spanContext;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A stream chunk arrived (any event of the stream). */
  chunk(): void {
    const now = performance.now();
    if (this.firstChunkAt === undefined) this.firstChunkAt = now;
    else {
      try {
        // The SDK hashes the attributes of every measurement, and this one is taken per chunk:
        // it carries the conventions' required attributes only (operation, provider, model),
        // in one object shared by the calls of the same kind. Nothing to do without a meter.
        const metrics = this.dependencies.metrics();
        if (metrics.recording) {
          this.chunkAttributes ??= metrics.attributesOf(this.request).required;
          metrics.timePerOutputChunk.record((now - this.lastChunkAt) / 1000, this.chunkAttributes);
        }
      } catch (error) {
        diag.error('elkhound: could not record a chunk time', error);
      }
    }
    this.lastChunkAt = now;
    this.lastActivityAt = now;
  }

  /** The app asks for the next chunk: while it waits the stream is not idle. */
  reading(waiting: boolean): void {
    this.reads += waiting ? 1 : -1;
  }

  /**
   * The response (a stream, or a body nobody parsed yet) is in the app's hands: end the span if
   * the app leaves it alone for the idle timeout, or if `target` is garbage-collected.
   */
  watchIdle(target?: object): void {
    if (this.ended) return;
    this.lastActivityAt = performance.now();
    if (target) {
      abandonedStreams.register(target, this, this);
      this.registered = true;
    }
    const timeout = this.settings.streamIdleTimeoutMs;
    if (timeout > 0 && !this.idleWatched) {
      this.idleWatched = true;
      this.idleDeadline = this.lastActivityAt + timeout;
      watchIdle(this);
    }
  }

  /** The idle deadline passed: a stream the app waits on, or used since, is looked at later. */
  checkIdle(now: number): void {
    if (this.ended) {
      this.stopWatching();
      return;
    }
    const idleFor = now - this.lastActivityAt;
    const timeout = this.settings.streamIdleTimeoutMs;
    if (this.reads > 0) this.idleDeadline = now + timeout;
    else if (idleFor < timeout) this.idleDeadline = this.lastActivityAt + timeout;
    else this.abandon();
  }

  /** Ends the span of a response the app abandoned, with what was seen of it. */
  abandon(partial?: GenAIResponse): void {
    if (this.ended) return;
    this.span.setAttribute(semconv.ATTR_ELKHOUND_STREAM_ABANDONED, true);
    this.end(partial ?? this.partial?.() ?? {});
  }

  end(response: GenAIResponse): void {
    if (this.ended) return;
    this.ended = true;
    this.stopWatching();
    const endedAt = performance.now();
    this.finish(response, endedAt, () => {
      try {
        this.recordResponse(response);
        this.recordMetrics(endedAt, response, undefined);
        this.recordContent(response, undefined);
      } catch (error) {
        diag.error('elkhound: could not record a GenAI response', error);
      }
    });
  }

  /** Ends the span with the error; `category`, when given, overrides the one read off the error. */
  fail(error: unknown, partial?: GenAIResponse, category?: ErrorCategory): void {
    if (this.ended) return;
    this.ended = true;
    this.stopWatching();
    const endedAt = performance.now();
    this.finish(partial, endedAt, () => {
      try {
        if (partial) this.recordResponse(partial);
        // Failed before any response: nothing the provider counted, nothing to estimate from.
        else this.span.setAttributes(unpricedAttributes('no_usage'));
        const categorized = categorize(error);
        const type = categorized.type;
        this.span.setAttribute(semconv.ATTR_ERROR_TYPE, type);
        this.span.setAttribute(
          semconv.ATTR_ELKHOUND_ERROR_CATEGORY,
          category ?? categorized.category,
        );
        const message = error instanceof Error ? error.message : String(error);
        // The exception is reported once, as the conventions' `exception` log record (below),
        // not also as a span event: two copies would be two error documents in Elasticsearch.
        this.span.setStatus({ code: SpanStatusCode.ERROR, message });
        this.recordMetrics(endedAt, partial ?? {}, type);
        this.emitException(error, type, message);
        this.recordContent(partial ?? {}, type);
      } catch (failure) {
        diag.error('elkhound: could not record a GenAI error', failure);
      }
    });
  }

  /**
   * Records the call (`record`) and ends the span: now, or — when its usage must be estimated —
   * once the estimate worker's counts (or the fallback) arrive, with the time the call ended.
   * The application's thread only gathers the texts here; the counting happens in the worker.
   */
  private finish(response: GenAIResponse | undefined, endedAt: number, record: () => void): void {
    const texts = response && !response.usage ? this.estimateTexts(response) : undefined;
    if (!texts) {
      record();
      this.span.end();
      return;
    }
    const endTime = hrTimeOf(endedAt);
    try {
      estimateWorker().estimate(
        texts.model,
        texts.prompt,
        texts.outputs,
        this.settings.estimateTimeoutMs,
        (usage) => {
          this.estimated = usage;
          record();
          this.span.end(endTime);
        },
      );
    } catch (error) {
      // Never reached (estimate settles every request), but a span must end even so.
      diag.error('elkhound: could not estimate the tokens of a GenAI call', error);
      if (!this.span.isRecording()) return;
      record();
      this.span.end(endTime);
    }
  }

  private stopWatching(): void {
    if (this.idleWatched) {
      this.idleWatched = false;
      unwatchIdle(this);
    }
    if (this.registered) {
      this.registered = false;
      abandonedStreams.unregister(this);
    }
    this.partial = undefined;
  }

  private hashPrompt(attributes: Attributes): void {
    const prompt = this.request.prompt;
    const hasher = this.settings.hasher;
    if (!prompt || !hasher) return;
    try {
      attributes[semconv.ATTR_ELKHOUND_PROMPT_HASH] = hasher.hash(prompt);
      if (prompt.system.length > 0)
        attributes[semconv.ATTR_ELKHOUND_PROMPT_SYSTEM_HASH] = hasher.hash(prompt.system);
    } catch (error) {
      diag.error('elkhound: could not hash a prompt', error);
    }
  }

  /** Sets the response attributes, usage and cost on the span, in one `setAttributes`. */
  private recordResponse(response: GenAIResponse): void {
    const span = this.span;
    const attributes: Attributes = {};
    if (response.id) attributes[semconv.ATTR_GEN_AI_RESPONSE_ID] = response.id;
    if (response.model) attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = response.model;
    if (response.finishReasons?.length)
      attributes[semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = response.finishReasons;
    if (this.firstChunkAt !== undefined) {
      attributes[semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] =
        (this.firstChunkAt - this.startedAt) / 1000;
    }
    let usage = response.usage;
    let estimated = false;
    if (!usage) {
      usage = this.estimated;
      estimated = usage !== undefined;
    }
    this.usage = usage;
    if (usage) {
      attributes[semconv.ATTR_ELKHOUND_USAGE_SOURCE] = estimated ? 'estimated' : 'provider';
      attributes[semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
      attributes[semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
      if (usage.cacheReadTokens !== undefined)
        attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadTokens;
      if (usage.cacheWriteTokens !== undefined)
        attributes[semconv.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] = usage.cacheWriteTokens;
      if (usage.reasoningTokens !== undefined)
        attributes[semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
    }
    const hasher = this.settings.hasher;
    if (hasher && response.outputs && response.outputs.length > 0) {
      try {
        attributes[semconv.ATTR_ELKHOUND_COMPLETION_HASH] = hasher.hash(response.outputs);
      } catch (error) {
        diag.error('elkhound: could not hash a completion', error);
      }
    }
    if (usage) this.recordCost(attributes, usage, response.model, estimated);
    else Object.assign(attributes, unpricedAttributes(response.unpricedReason ?? 'no_usage'));
    span.setAttributes(attributes);
  }

  /**
   * What the estimate worker counts, when the provider reported no usage: the request's texts
   * and the output seen (for a stream left early or cut off, the text streamed until then).
   */
  private estimateTexts(
    response: GenAIResponse,
  ): { model: string | undefined; prompt: PromptTexts; outputs: string[] | undefined } | undefined {
    const promptTexts = this.request.promptTexts;
    if (!this.settings.estimateUsage || !promptTexts) return undefined;
    try {
      const outputs = response.toolCallTexts?.length
        ? [...(response.outputs ?? []), ...response.toolCallTexts]
        : response.outputs;
      return { model: response.model ?? this.request.model, prompt: promptTexts(), outputs };
    } catch (error) {
      diag.error('elkhound: could not read the texts of a GenAI call for an estimate', error);
      return undefined;
    }
  }

  /** Adds the cost attributes (or why there is no cost) to `attributes`. */
  private recordCost(
    attributes: Attributes,
    usage: Usage,
    responseModel: string | undefined,
    estimated: boolean,
  ): void {
    try {
      const pricing = this.dependencies.pricing();
      if (!pricing) {
        Object.assign(attributes, unpricedAttributes('pricing_unavailable'));
        return;
      }
      const query: Parameters<PriceBook['price']>[0] = { provider: this.request.provider, usage };
      if (this.request.model) query.requestModel = this.request.model;
      if (responseModel) query.responseModel = responseModel;
      const cost = pricing.price(query);
      if (cost.priced) this.cost = cost.total;
      addCostAttributes(attributes, cost, estimated);
    } catch (error) {
      diag.error('elkhound: could not price a GenAI call', error);
      Object.assign(attributes, unpricedAttributes('pricing_error'));
    }
  }

  private recordMetrics(endedAt: number, response: GenAIResponse, errorType?: string): void {
    try {
      const metrics = this.dependencies.metrics();
      if (!metrics.recording) return;
      let sets: CallAttributeSets = metrics.attributesOf(this.request, response.model);
      if (errorType !== undefined) sets = withErrorType(sets, errorType);
      const attributes = sets.call;
      metrics.operationDuration.record((endedAt - this.startedAt) / 1000, attributes);
      if (this.firstChunkAt !== undefined)
        metrics.timeToFirstChunk.record((this.firstChunkAt - this.startedAt) / 1000, attributes);
      if (this.usage) metrics.recordTokens(this.usage.inputTokens, this.usage.outputTokens, sets);
      if (this.cost !== undefined) metrics.cost.record(this.cost, attributes);
    } catch (error) {
      diag.error('elkhound: could not record GenAI metrics', error);
    }
  }

  private recordContent(response: GenAIResponse, errorType: string | undefined): void {
    if (!this.settings.captureContent) return;
    try {
      const values = this.contentValues ?? {};
      if (response.content) {
        Object.assign(
          values,
          sanitiseContent({ output: response.content() }, this.request.provider, this.settings),
        );
      }
      if (this.settings.contentOnSpan) this.span.setAttributes(contentAttributes(values));
      if (this.settings.contentOnEvent) this.emitDetails(response, values, errorType);
    } catch (error) {
      diag.error('elkhound: could not record GenAI content', error);
    }
  }

  /** The `gen_ai.client.inference.operation.details` event, in the span's context. */
  private emitDetails(
    response: GenAIResponse,
    values: Record<string, AnyValue>,
    errorType: string | undefined,
  ): void {
    const attributes: Attributes = {
      ...callMetricAttributes(this.request, response.model),
      ...values,
    };
    if (response.id) attributes[semconv.ATTR_GEN_AI_RESPONSE_ID] = response.id;
    if (response.finishReasons?.length)
      attributes[semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = response.finishReasons;
    if (this.usage) {
      attributes[semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = this.usage.inputTokens;
      attributes[semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = this.usage.outputTokens;
    }
    if (errorType) attributes[semconv.ATTR_ERROR_TYPE] = errorType;
    this.dependencies.logger().emit({
      eventName: semconv.EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
      severityNumber: SeverityNumber.INFO,
      attributes,
      context: this.spanContext,
    });
  }

  /** The exception as a log record in the span's context (the newer conventions' form). */
  private emitException(error: unknown, type: string, message: string): void {
    const attributes: Attributes = {
      [semconv.ATTR_EXCEPTION_TYPE]: type,
      [semconv.ATTR_EXCEPTION_MESSAGE]: message,
      [semconv.ATTR_GEN_AI_OPERATION_NAME]: this.request.operation,
      [semconv.ATTR_GEN_AI_PROVIDER_NAME]: this.request.provider,
    };
    if (error instanceof Error && error.stack)
      attributes[semconv.ATTR_EXCEPTION_STACKTRACE] = error.stack;
    this.dependencies.logger().emit({
      eventName: semconv.EVENT_EXCEPTION,
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: message,
      attributes,
      context: this.spanContext,
    });
  }
}

/** A failed call's attribute sets: the shared ones plus `error.type`, in objects of their own. */
function withErrorType(sets: CallAttributeSets, type: string): CallAttributeSets {
  return {
    required: sets.required,
    call: { ...sets.call, [semconv.ATTR_ERROR_TYPE]: type },
    input: { ...sets.input, [semconv.ATTR_ERROR_TYPE]: type },
    output: { ...sets.output, [semconv.ATTR_ERROR_TYPE]: type },
  };
}
