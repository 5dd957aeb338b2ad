import { ValueType, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import * as semconv from './semconv';

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
  }

  // The SDK keeps the attributes object of a new series as its key: each record gets its own.
  recordTokens(input: number, output: number, attributes: Attributes): void {
    this.tokenUsage.record(input, {
      ...attributes,
      [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_INPUT,
    });
    this.tokenUsage.record(output, {
      ...attributes,
      [semconv.ATTR_GEN_AI_TOKEN_TYPE]: semconv.GEN_AI_TOKEN_TYPE_OUTPUT,
    });
  }
}
