import {
  createNoopMeter,
  ValueType,
  type Attributes,
  type Histogram,
  type Meter,
} from '@opentelemetry/api';
import * as semconv from './semconv';

/** The API's no-op histogram (no MeterProvider): recording into it does nothing. */
const NoopHistogram = createNoopMeter().createHistogram('elkhound.noop').constructor;

/** What a call's metric attributes are made of (the request, and the response's model). */
export interface CallIdentity {
  operation: string;
  provider: string;
  model?: string | undefined;
  serverAddress?: string | undefined;
  serverPort?: number | undefined;
}

/**
 * The attribute sets of one kind of call, made once and shared by every call of that kind (the
 * SDK keeps the attributes object of a new series as its key, and never changes it): frozen, so
 * that nobody can.
 */
export interface CallAttributeSets {
  /** The conventions' required attributes (operation, provider, request model): per chunk. */
  readonly required: Attributes;
  /** Those, the response model and the server: the call's measurements. */
  readonly call: Attributes;
  /** `call` with gen_ai.token.type=input, and with output. */
  readonly input: Attributes;
  readonly output: Attributes;
}

/** Kinds of calls remembered; past this the memo starts again, so a flood of ids cannot grow it. */
const MAX_ATTRIBUTE_SETS = 1024;

/**
 * The conventions' GenAI client instruments plus Elkhound's cost histogram. Created again when
 * the instrumentation gets a new MeterProvider (`_updateMetricInstruments`).
 */
export class GenAIMetrics {
  readonly tokenUsage: Histogram;
  readonly operationDuration: Histogram;
  readonly timeToFirstChunk: Histogram;
  readonly timePerOutputChunk: Histogram;
  readonly cost: Histogram;
  /** False under the API's no-op meter: then there is nothing to build attributes for. */
  readonly recording: boolean;
  private readonly attributeSets = new Map<string, CallAttributeSets>();

  constructor(meter: Meter) {
    this.tokenUsage = meter.createHistogram(semconv.METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: semconv.BUCKETS_TOKEN_USAGE },
    });
    this.operationDuration = meter.createHistogram(
      semconv.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
      {
        description: 'GenAI operation duration.',
        unit: 's',
        advice: { explicitBucketBoundaries: semconv.BUCKETS_DURATION_SECONDS },
      },
    );
    this.timeToFirstChunk = meter.createHistogram(
      semconv.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
      {
        description:
          'Time to receive the first chunk of a streaming response, from when the request was issued.',
        unit: 's',
        advice: { explicitBucketBoundaries: semconv.BUCKETS_DURATION_SECONDS },
      },
    );
    this.timePerOutputChunk = meter.createHistogram(
      semconv.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
      {
        description: 'Time between consecutive chunks of a streaming response, after the first.',
        unit: 's',
        advice: { explicitBucketBoundaries: semconv.BUCKETS_TIME_PER_OUTPUT_CHUNK_SECONDS },
      },
    );
    this.cost = meter.createHistogram(semconv.METRIC_ELKHOUND_CLIENT_COST, {
      description: 'Cost of GenAI calls in USD (priced calls only; the sum is the spend).',
      unit: 'USD',
      advice: { explicitBucketBoundaries: semconv.BUCKETS_COST_USD },
    });
    this.recording = !(this.operationDuration instanceof NoopHistogram);
  }

  /** The attribute sets of a call (and, with `responseModel`, of its response). */
  attributesOf(call: CallIdentity, responseModel?: string): CallAttributeSets {
    const key = `${call.operation}\0${call.provider}\0${call.model ?? ''}\0${responseModel ?? ''}\0${call.serverAddress ?? ''}\0${call.serverPort ?? ''}`;
    let sets = this.attributeSets.get(key);
    if (!sets) {
      sets = attributeSetsOf(call, responseModel);
      if (this.attributeSets.size >= MAX_ATTRIBUTE_SETS) this.attributeSets.clear();
      this.attributeSets.set(key, sets);
    }
    return sets;
  }

  recordTokens(input: number, output: number, sets: CallAttributeSets): void {
    this.tokenUsage.record(input, sets.input);
    this.tokenUsage.record(output, sets.output);
  }
}

/** The conventions' required attributes of a call: operation, provider, request model. */
function requiredAttributes(call: CallIdentity): Attributes {
  const attributes: Attributes = {
    [semconv.ATTR_GEN_AI_OPERATION_NAME]: call.operation,
    [semconv.ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
  };
  if (call.model) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = call.model;
  return attributes;
}

/** A call's metric attributes (required, response model, server), in an object of its own. */
export function callMetricAttributes(call: CallIdentity, responseModel?: string): Attributes {
  const attributes = requiredAttributes(call);
  if (responseModel) attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
  if (call.serverAddress) attributes[semconv.ATTR_SERVER_ADDRESS] = call.serverAddress;
  if (call.serverPort !== undefined) attributes[semconv.ATTR_SERVER_PORT] = call.serverPort;
  return attributes;
}

function attributeSetsOf(call: CallIdentity, responseModel: string | undefined): CallAttributeSets {
  const attributes = callMetricAttributes(call, responseModel);
  return {
    required: Object.freeze(requiredAttributes(call)),
    call: Object.freeze(attributes),
    input: Object.freeze({
      ...attributes,
      [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_INPUT,
    }),
    output: Object.freeze({
      ...attributes,
      [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_OUTPUT,
    }),
  };
}
