import { findErrorBy, ProduceAcks, Producer } from '@platformatic/kafka';
import { errorFields, type Logger } from '../log';
import type { DurableQueue } from '../queue/durable-queue';
import type { KafkaConfig } from './kafka-config';
import { describeKafkaError, kafkaConnectionOptions } from './kafka-connection';
import { fromQueueDocument } from './outgoing-record';
import { partitionerFor } from './partitioner';
import type { RecordDeadLetters } from './record-dead-letters';
import { pause } from '../pause';

/** Broker answers that producing the same record again cannot change. */
const REFUSED_FOR_GOOD = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD'];

function refusedForGood(error: unknown): string | undefined {
  for (const id of REFUSED_FOR_GOOD) {
    if (findErrorBy(error as Error, 'apiId', id)) return id;
  }
  return undefined;
}

interface OutgoingMessage {
  topic: string;
  key: Buffer | undefined;
  value: Buffer;
  headers: Record<string, string>;
}

export interface ForwarderOptions {
  /** Bytes of queue records produced per request. */
  batchBytes: number;
  /** Where records Kafka refuses for good go (too large for the topic, invalid). */
  unsent: RecordDeadLetters;
  logger: Logger;
}

/**
 * Moves records from the Kafka queue to Kafka: one batch at a time, produced with acks from all
 * in-sync replicas by an idempotent producer (the broker drops the client's own retries), and
 * committed from the queue only once Kafka acknowledged every record of the batch. A batch
 * that fails is produced again (Kafka down, leader moving): at least once, and the consumer's
 * deterministic document ids turn a repeat into nothing.
 */
export class KafkaForwarder {
  produced = 0;
  failures = 0;
  refused = 0;
  /** Why the last produce request failed; cleared by the next one Kafka acknowledged. */
  private problem: string | undefined;
  private readonly producer: Producer<Buffer, Buffer, string, string>;
  private readonly abort = new AbortController();
  private draining = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly queue: DurableQueue,
    private readonly kafka: KafkaConfig,
    private readonly options: ForwarderOptions,
  ) {
    const partition = partitionerFor(kafka.partitioner);
    this.producer = new Producer({
      clientId: kafka.clientId,
      bootstrapBrokers: kafka.brokers,
      ...kafkaConnectionOptions(kafka),
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: true,
      // A key is the trace id's hex text; its bytes pick the partition.
      serializers: {
        key: (key) => (key === undefined ? undefined : key),
        value: (value) => value,
        headerKey: (key) => (key === undefined ? undefined : Buffer.from(key)),
        headerValue: (value) => (value === undefined ? undefined : Buffer.from(value)),
      },
      partitioner: (_message, key) => partition(key),
      retries: 5,
      retryDelay: 250,
    });
  }

  /** Why records do not reach Kafka now (for /readyz), or undefined. */
  notReadyReason(): string | undefined {
    return this.problem;
  }

  start(): void {
    this.abort.signal.addEventListener('abort', () => this.queue.notify());
    this.running ??= this.run().catch((error: unknown) => {
      if (!this.abort.signal.aborted)
        this.options.logger.error('Kafka forwarder stopped', errorFields(error));
    });
  }

  /** Produces what is queued for at most `timeoutMs`; the rest stays queued for the next start. */
  async stop(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.queue.notify();
    const timer = setTimeout(() => this.abort.abort(new Error('shutdown timeout')), timeoutMs);
    try {
      await this.running;
    } finally {
      clearTimeout(timer);
      await this.producer.close(true).catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const batch = await this.queue.next(this.options.batchBytes, () => this.draining);
      if (!batch || this.abort.signal.aborted) return;
      const messages: OutgoingMessage[] = batch.documents.map((document) => {
        const record = fromQueueDocument(document);
        return {
          topic: record.topic,
          key: record.key === undefined ? undefined : Buffer.from(record.key),
          value: record.value,
          headers: { 'content-type': record.contentType },
        };
      });
      if (!(await this.produce(messages))) return;
      await this.queue.commit(batch);
    }
  }

  /**
   * Produces the batch until Kafka acknowledged it; false when stopped first. A batch Kafka
   * refuses for good is produced record by record, and the records it refuses for good are
   * written to the unsent file rather than blocking the queue behind them.
   */
  private async produce(messages: OutgoingMessage[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ messages });
        this.produced += messages.length;
        this.problem = undefined;
        return true;
      } catch (error) {
        this.failures++;
        if (this.abort.signal.aborted) return false;
        const refusal = refusedForGood(error);
        if (refusal !== undefined) {
          if (messages.length === 1) {
            this.deadLetter(messages[0] as OutgoingMessage, refusal, error);
            return true;
          }
          for (const message of messages) if (!(await this.produce([message]))) return false;
          return true;
        }
        const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
        const described = describeKafkaError(error);
        this.problem = `Kafka does not acknowledge records: ${described.message}`;
        // Wrong credentials or an untrusted certificate: an error (nothing changes until a
        // person acts), and nothing is lost meanwhile (the records stay in the Kafka queue).
        const fields = {
          ...errorFields(error),
          'error.message': described.message,
          'elkhound.kafka.records': messages.length,
          'elkhound.retry.delay_ms': delay,
        };
        if (described.credentials) {
          this.options.logger.error(
            'Kafka refuses the connection (credentials, TLS or ACLs); the records stay queued',
            fields,
          );
        } else {
          this.options.logger.warn('Kafka did not acknowledge a batch; producing it again', fields);
        }
        await pause(delay, this.abort.signal);
        if (this.abort.signal.aborted) return false;
      }
    }
  }

  private deadLetter(message: OutgoingMessage, refusal: string, error: unknown): void {
    this.refused++;
    const reason = `Kafka refused the record for good (${refusal}, ${message.value.length} bytes): ${(error as Error)?.message ?? String(error)}`;
    this.options.unsent.append([
      {
        time: new Date().toISOString(),
        topic: message.topic,
        partition: -1,
        offset: '',
        key: message.key ? message.key.toString('utf8') : null,
        headers: message.headers,
        errorType: refusal,
        reason,
        value: message.value.toString('base64'),
      },
    ]);
    this.options.logger.warn('Kafka refused a record for good: written to the dead-letter path', {
      'elkhound.kafka.topic': message.topic,
      'elkhound.kafka.record_bytes': message.value.length,
      'error.type': refusal,
      'elkhound.dead_letter.file': this.options.unsent.path,
    });
  }
}

/** The forwarder's part of the sidecar's /metrics. */
export function kafkaForwarderGauges(
  queue: DurableQueue,
  forwarder: KafkaForwarder,
): Array<{
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels: Record<string, string>; value: number }>;
}> {
  return [
    {
      name: 'elkhound_kafka_produced_records_total',
      help: 'Records Kafka acknowledged (acks=all).',
      type: 'counter',
      samples: [{ labels: {}, value: forwarder.produced }],
    },
    {
      name: 'elkhound_kafka_produce_failures_total',
      help: 'Produce requests Kafka did not acknowledge (the batch is produced again).',
      type: 'counter',
      samples: [{ labels: {}, value: forwarder.failures }],
    },
    {
      name: 'elkhound_kafka_refused_records_total',
      help: 'Records Kafka refused for good (too large, invalid), written to dlq/kafka-unsent.ndjson.',
      type: 'counter',
      samples: [{ labels: {}, value: forwarder.refused }],
    },
    {
      name: 'elkhound_kafka_queue_records',
      help: 'Records in the Kafka queue not yet acknowledged by Kafka.',
      type: 'gauge',
      samples: [{ labels: {}, value: queue.documents }],
    },
    {
      name: 'elkhound_kafka_queue_bytes',
      help: 'Bytes in the Kafka queue not yet acknowledged by Kafka.',
      type: 'gauge',
      samples: [{ labels: {}, value: queue.bytes }],
    },
  ];
}
