import { OtlpDecodeError } from '@elkhound/otlp';
import { errorFields, type Logger } from '../log';
import { QueueFullError, type DurableQueue } from '../queue/durable-queue';
import { Ingest, type IngestResult } from '../receiver/ingest';
import type { SignalHandler } from '../receiver/signals';
import type { SelfMetrics } from '../self-metrics';
import type { KafkaConfig } from './kafka-config';
import { otlpJsonToProtobuf } from './json-to-protobuf';
import { toQueueDocument, type OutgoingRecord } from './outgoing-record';
import { splitByResource } from './resource-split';
import { splitTraceRequest } from './trace-split';

/**
 * The receivers' ingest when the sidecar forwards to Kafka: a request is checked (decoded and
 * mapped, so a bad body is a 400 now, as without Kafka), cut into Kafka records and written to
 * the Kafka queue (fsynced) before the answer. `besides` also takes the Elasticsearch path
 * first; a failure of the Kafka queue after it makes the client retry, and the deterministic
 * document ids make that retry write nothing twice in Elasticsearch.
 */
export class ForwardingIngest extends Ingest {
  constructor(
    mainQueue: DurableQueue,
    private readonly kafkaQueue: DurableQueue,
    private readonly kafka: KafkaConfig,
    private readonly metricsOf: SelfMetrics,
    private readonly namespaceOf: string,
    private readonly log: Logger,
  ) {
    super(mainQueue, metricsOf, namespaceOf, log);
  }

  override async accept(
    signal: SignalHandler,
    body: Buffer,
    format: 'protobuf' | 'json',
  ): Promise<IngestResult> {
    if (this.kafkaQueue.isClosed) {
      return { kind: 'unavailable', message: 'the sidecar is shutting down', retryAfterSeconds: 5 };
    }
    if (!this.kafkaQueue.hasRoomFor(body.length)) return { kind: 'full', retryAfterSeconds: 5 };
    let result: IngestResult;
    if (this.kafka.forward === 'besides') {
      result = await super.accept(signal, body, format);
      if (result.kind !== 'accepted') return result;
    } else {
      const checked = this.check(signal, body, format);
      if (checked.kind !== 'accepted') return checked;
      result = checked;
    }
    try {
      await this.kafkaQueue.append(this.records(signal, body, format).map(toQueueDocument));
    } catch (error) {
      if (error instanceof QueueFullError)
        return { kind: 'full', retryAfterSeconds: error.retryAfterSeconds };
      this.log.error('could not write to the Kafka queue', errorFields(error));
      return {
        kind: 'unavailable',
        message: 'the Kafka queue cannot be written',
        retryAfterSeconds: 5,
      };
    }
    return result;
  }

  /**
   * Decodes the body as the Elasticsearch path would, and counts what it holds: what does not
   * decode is refused here, at the edge. Not mapped to ECS: the consumer does that.
   */
  private check(signal: SignalHandler, body: Buffer, format: 'protobuf' | 'json'): IngestResult {
    let mapped: ReturnType<SignalHandler['count']>;
    try {
      mapped = signal.count(body, format);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return { kind: 'invalid', message: error.message };
      return {
        kind: 'invalid',
        message: `the ${signal.name} request could not be read: ${(error as Error)?.message ?? String(error)}`,
      };
    }
    if (mapped.rejections.count > 0 && mapped.items === 0)
      return { kind: 'invalid', message: mapped.rejections.message };
    if (signal.name === 'traces') this.metricsOf.receivedSpans += mapped.items;
    else if (signal.name === 'logs') this.metricsOf.receivedLogRecords += mapped.items;
    else this.metricsOf.receivedMetricPoints += mapped.items;
    return {
      kind: 'accepted',
      items: mapped.items,
      rejected: mapped.rejections.count,
      rejectedMessage: mapped.rejections.message,
    };
  }

  /**
   * Protobuf, whatever the request came in as (the Collector's kafka receiver reads one encoding
   * per topic, otlp_proto by default). Traces: one record per trace, keyed by its id. Logs and
   * metrics, when partitioned by resource attributes: one record per resource, keyed by a hash of
   * its attributes; otherwise the request as one record without a key (spread round-robin). A
   * JSON request the encoder cannot take (it decoded, so that is unexpected) stays one JSON record.
   */
  private records(
    signal: SignalHandler,
    received: Buffer,
    format: 'protobuf' | 'json',
  ): OutgoingRecord[] {
    const topic = this.kafka.topics[signal.name];
    let body = received;
    if (format === 'json') {
      try {
        body = otlpJsonToProtobuf(signal.name, received);
      } catch (error) {
        this.log.warn('an OTLP/JSON request could not be re-encoded as protobuf: sent as JSON', {
          ...errorFields(error),
        });
        return [{ topic, key: undefined, value: received, contentType: 'application/json' }];
      }
    }
    if (signal.name !== 'traces') {
      if (this.kafka.partitionByResource[signal.name]) {
        return splitByResource(body).map((record) => ({
          topic,
          key: record.key,
          value: record.value,
          contentType: 'application/x-protobuf',
        }));
      }
      return [{ topic, key: undefined, value: body, contentType: 'application/x-protobuf' }];
    }
    return splitTraceRequest(body).map((record) => ({
      topic,
      key: record.key,
      value: record.value,
      contentType: 'application/x-protobuf',
    }));
  }
}
