import {
  Consumer,
  MessagesStreamModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { EcsDocument } from '@elkhound/ecs';
import { errorFields, type Logger } from '../log';
import { Histogram } from '../self-metrics';
import type { Sink } from '../sink/sink';
import type { KafkaConfig } from './kafka-config';
import { describeKafkaError, kafkaConnectionOptions } from './kafka-connection';
import { RecordDecoder } from './record-decoder';
import type { RecordDeadLetter, RecordDeadLetters } from './record-dead-letters';
import { SettledOffsets, type BatchTicket, type PartitionOffset } from './settled-offsets';
import { pause } from '../pause';

export interface ConsumerWorkerOptions {
  kafka: KafkaConfig;
  namespace: string;
  /** Where documents go: the Elasticsearch sink (retries without end, dead-letters refusals). */
  sink: Sink;
  deadLetters: RecordDeadLetters;
  logger: Logger;
  /** Records or value bytes buffered before fetching pauses (about one bulk request). */
  maxRecords?: number;
  maxBytes?: number;
  sessionTimeoutMs?: number;
  /** Batches written to Elasticsearch at once (the sidecar's bulk.concurrency + 1). */
  maxInFlight?: number;
}

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/**
 * `elkhound consume`: one member of a consumer group on the OTLP topics. Records are buffered
 * (fetching pauses when the buffer is full), mapped to ECS and written to Elasticsearch a batch
 * at a time, up to `maxInFlight` batches at once; an offset is committed only when Elasticsearch
 * settled every document (acknowledged, or refused for good and dead-lettered) of every record
 * below it in its partition, whatever order the batches finish in (SettledOffsets). A crash or a rebalance replays
 * the records after the last commit; their documents keep their deterministic ids, so the replay
 * writes nothing twice. While Elasticsearch is down the batch waits, the buffer fills, fetching
 * pauses, lag grows and nothing is committed.
 */
export class KafkaConsumerWorker {
  consumed = 0;
  documents = 0;
  poisoned = 0;
  commits = 0;
  commitFailures = 0;
  readonly commitLatency = new Histogram();
  /** Lag per "topic|partition", from the client's lag monitor. */
  readonly lag = new Map<string, { topic: string; partition: number; lag: number }>();
  private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private readonly decoder: RecordDecoder;
  private readonly abort = new AbortController();
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private buffer: KafkaMessage[] = [];
  private bufferBytes = 0;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private problem: string | undefined;
  /** Aborted when stopping begins: ends the waits between connection attempts. */
  private readonly halt = new AbortController();
  private readonly offsets = new SettledOffsets();
  private readonly flights = new Set<Promise<void>>();
  /** Per "topic|partition": the offset waiting for the next commit. */
  private readonly due = new Map<string, PartitionOffset>();
  private committing: Promise<void> = Promise.resolve();

  constructor(private readonly options: ConsumerWorkerOptions) {
    const { kafka } = options;
    this.decoder = new RecordDecoder(kafka, options.namespace);
    this.consumer = new Consumer({
      clientId: kafka.clientId,
      groupId: kafka.groupId,
      bootstrapBrokers: kafka.brokers,
      ...kafkaConnectionOptions(kafka),
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 30_000,
      retries: 10,
      retryDelay: 500,
    });
  }

  get topics(): string[] {
    return [...new Set(Object.values(this.options.kafka.topics))];
  }

  async start(): Promise<void> {
    const { logger } = this.options;
    this.consumer.on('consumer:group:join', (payload) =>
      logger.info('joined the consumer group', {
        'elkhound.kafka.group': payload.groupId,
        'elkhound.kafka.assignments': JSON.stringify(payload.assignments ?? []),
      }),
    );
    this.consumer.on('consumer:lag', (offsets) => {
      for (const [topic, partitions] of offsets) {
        partitions.forEach((lag, partition) => {
          if (lag >= 0n)
            this.lag.set(`${topic}|${partition}`, { topic, partition, lag: Number(lag) });
        });
      }
    });
    if (!(await this.connect(0))) return;
    this.consumer.startLagMonitoring({ topics: this.topics }, 5_000);
    this.running = this.run().catch((error: unknown) => {
      if (!this.abort.signal.aborted) logger.error('Kafka consumer stopped', errorFields(error));
    });
  }

  /**
   * Reads the topics from the committed offsets on. Called again when a stream fails for good
   * (brokers away longer than the client's retries): what was read after the last commit is read
   * again, and its documents, if already written, come back as duplicates Elasticsearch refuses.
   */
  private async openStream(): Promise<void> {
    const stream = await this.consumer.consume({
      topics: this.topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 250,
    });
    this.stream = stream;
    stream.on('data', (message: KafkaMessage) => {
      this.buffer.push(message);
      this.bufferBytes += message.value?.length ?? 0;
      if (
        this.buffer.length >= (this.options.maxRecords ?? 2_000) ||
        this.bufferBytes >= (this.options.maxBytes ?? 4 * 1024 ** 2)
      ) {
        stream.pause();
      }
      this.notify();
    });
    const failed = (error?: unknown): void => {
      if (this.stream !== stream || this.stopping || this.abort.signal.aborted) return;
      this.stream = undefined;
      this.options.logger.warn(
        'Kafka consumer stream failed; reading again from the committed offsets',
        {
          ...errorFields(error ?? new Error('stream closed')),
        },
      );
      void this.reopen(stream);
    };
    stream.on('error', failed);
    stream.on('close', () => failed());
  }

  private async reopen(failed: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
    await failed.close().catch(() => undefined);
    await this.connect(1);
  }

  /**
   * Opens the stream, retrying with a back-off until it opens (true) or the worker stops
   * (false). Why it does not open is kept for /readyz and logged: as an error when only a person
   * can fix it (wrong password or mechanism, an untrusted certificate, no ACL). Nothing is read,
   * so nothing is committed and nothing is lost meanwhile.
   */
  private async connect(firstAttempt: number): Promise<boolean> {
    for (let attempt = firstAttempt; !this.stopping && !this.abort.signal.aborted; attempt++) {
      if (attempt > 0) {
        await pause(Math.min(10_000, 500 * 2 ** (attempt - 1)), this.halt.signal);
        if (this.stopping || this.abort.signal.aborted) return false;
      }
      try {
        // Metadata first: it fails with the broker's reason (wrong password, untrusted
        // certificate), where joining the group would retry without end and say nothing.
        await this.consumer.metadata({ topics: [] });
        await this.openStream();
        this.problem = undefined;
        return true;
      } catch (error) {
        const described = describeKafkaError(error);
        this.problem = `cannot read the Kafka topics: ${described.message}`;
        const fields = { ...errorFields(error), 'error.message': described.message };
        if (described.credentials) {
          this.options.logger.error(
            'Kafka refuses the connection (credentials, TLS or ACLs); retrying',
            fields,
          );
        } else {
          this.options.logger.warn('could not read the Kafka topics yet; retrying', fields);
        }
      }
    }
    return false;
  }

  /** Why records are not read now (for /readyz), or undefined. */
  notReadyReason(): string | undefined {
    return this.problem;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    const maxInFlight = this.options.maxInFlight ?? 3;
    while (!this.abort.signal.aborted && !this.stopping) {
      if (this.buffer.length === 0 || this.offsets.inFlight >= maxInFlight) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      const batch = this.buffer;
      this.buffer = [];
      this.bufferBytes = 0;
      // The next batch may gather while this one is written.
      if (this.stream?.isPaused()) this.stream.resume();
      const ticket = this.offsets.track(batch);
      const documents = this.prepare(batch);
      const flight = this.write(batch.length, documents, ticket)
        .catch((error: unknown) => {
          // Not expected (the sink settles or stops): the batch stays unsettled, nothing after
          // it is committed, and the group reads it again after a restart.
          this.options.logger.error('a batch could not be written', errorFields(error));
        })
        .finally(() => {
          this.flights.delete(flight);
          this.notify();
        });
      this.flights.add(flight);
    }
    await Promise.all(this.flights);
    await this.committing;
  }

  /** Decodes a batch into documents; the records that cannot be read are dead-lettered here. */
  private prepare(batch: KafkaMessage[]): EcsDocument[] {
    const documents: EcsDocument[] = [];
    const letters: RecordDeadLetter[] = [];
    const time = new Date().toISOString();
    for (const message of batch) {
      const headers = new Map<string, string>();
      for (const [key, value] of message.headers ?? []) {
        if (key) headers.set(key.toString('utf8').toLowerCase(), value?.toString('utf8') ?? '');
      }
      const decoded = this.decoder.decode({ topic: message.topic, headers, value: message.value });
      const letter = (errorType: string, reason: string): RecordDeadLetter => ({
        time,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset.toString(),
        key: message.key ? message.key.toString('utf8') : null,
        headers: Object.fromEntries(headers),
        errorType,
        reason,
        value: (message.value ?? Buffer.alloc(0)).toString('base64'),
      });
      if (decoded.kind === 'poison') {
        letters.push(letter(decoded.errorType, decoded.reason));
        continue;
      }
      // Items that did not decode on their own: the record is kept whole beside its documents.
      if (decoded.rejected > 0) letters.push(letter('otlp_partial', decoded.reason));
      for (const document of decoded.documents) documents.push(document);
    }
    if (letters.length > 0) {
      // fsynced before any offset after these records can be committed.
      this.options.deadLetters.append(letters);
      this.poisoned += letters.length;
      for (const letter of letters.slice(0, 3)) {
        this.options.logger.warn(
          'a Kafka record could not be read: written to the dead-letter path',
          {
            'elkhound.kafka.topic': letter.topic,
            'elkhound.kafka.partition': letter.partition,
            'elkhound.kafka.offset': letter.offset,
            'error.type': letter.errorType,
            'error.message': letter.reason,
          },
        );
      }
    }
    return documents;
  }

  /**
   * Writes a batch's documents; once all are settled, commits what the batches settled so far
   * allow (never past a record of a batch still in flight). Stopped while Elasticsearch was not
   * answering: the batch stays unsettled, nothing after it is committed, the group replays it.
   */
  private async write(
    records: number,
    documents: EcsDocument[],
    ticket: BatchTicket,
  ): Promise<void> {
    if (documents.length > 0) {
      try {
        await this.options.sink.send(documents, this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        throw error;
      }
    }
    this.consumed += records;
    this.documents += documents.length;
    for (const offset of this.offsets.settle(ticket)) {
      this.due.set(`${offset.topic}|${offset.partition}`, offset);
    }
    if (this.due.size > 0) this.committing = this.committing.then(() => this.commit());
    await this.committing;
  }

  /** Commits the offsets due, one commit at a time so that a later offset is never overtaken. */
  private async commit(): Promise<void> {
    if (this.due.size === 0) return;
    const offsets = [...this.due.values()];
    this.due.clear();
    const started = performance.now();
    try {
      await this.consumer.commit({ offsets });
      this.commitLatency.observe((performance.now() - started) / 1000);
      this.commits++;
    } catch (error) {
      // A rebalance took the partitions away: the new owner reads these records again, and
      // their documents, already written, come back as duplicates Elasticsearch refuses.
      this.commitFailures++;
      this.options.logger.warn('offsets not committed; the records will be read again', {
        ...errorFields(error),
        'elkhound.kafka.partitions': offsets.length,
      });
    }
  }

  /** Finishes the batches being written (at most `timeoutMs`), leaves the group, closes. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.stream?.pause();
    this.notify();
    this.halt.abort();
    const timer = setTimeout(() => {
      this.abort.abort(new Error('shutdown timeout'));
      this.notify();
    }, timeoutMs);
    try {
      await this.running;
    } finally {
      clearTimeout(timer);
      this.consumer.stopLagMonitoring();
      await this.stream?.close().catch(() => undefined);
      await this.consumer.close(true).catch(() => undefined);
    }
  }
}
