import { join } from 'node:path';
import { describeConnection } from '@elkhound/exporter-elasticsearch';
import type { SidecarConfig } from './config';
import { DeadLetterQueue } from './dlq/dead-letter-queue';
import { ForwardingIngest } from './kafka/forwarding-ingest';
// The Kafka client costs ~58 MiB of RSS once loaded: only a sidecar that forwards to Kafka loads it.
import type { KafkaForwarder, kafkaForwarderGauges } from './kafka/forwarder';
import { RecordDeadLetters, UNSENT_RECORD_FILE } from './kafka/record-dead-letters';
import { errorFields, type Logger } from './log';
import { QueueConsumer } from './queue/consumer';
import { DurableQueue } from './queue/durable-queue';
import { InFlightBudget } from './receiver/budget';
import { GrpcReceiver } from './receiver/grpc-receiver';
import { HttpReceiver } from './receiver/http-receiver';
import { Ingest } from './receiver/ingest';
import { SelfMetrics } from './self-metrics';
import { ElasticsearchSink } from './sink/elasticsearch-sink';
import { FileSink } from './sink/file-sink';
import { sinkGauges, type Sink } from './sink/sink';

/**
 * `elkhound sidecar`: receivers → durable queue → consumer → sink (Elasticsearch or NDJSON
 * files), with the dead-letter queue beside the Elasticsearch sink.
 */
export class Sidecar {
  readonly metrics = new SelfMetrics();
  httpPort: number | undefined;
  grpcPort: number | undefined;
  private http: HttpReceiver | undefined;
  private grpc: GrpcReceiver | undefined;
  private consumer: QueueConsumer | undefined;
  /** With kafka.forward on: the queue of records for Kafka and what produces them. */
  kafkaQueue: DurableQueue | undefined;
  kafkaForwarder: KafkaForwarder | undefined;
  private kafkaGauges: (() => ReturnType<typeof kafkaForwarderGauges>) | undefined;
  private sinkStarted = false;
  private sinkStartError: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly startAbort = new AbortController();

  private constructor(
    readonly config: SidecarConfig,
    private readonly logger: Logger,
    readonly queue: DurableQueue,
    readonly deadLetters: DeadLetterQueue,
    readonly sink: Sink,
  ) {}

  static async start(config: SidecarConfig, logger: Logger): Promise<Sidecar> {
    const queue = await DurableQueue.open(join(config.dataDirectory, 'queue'), {
      maxBytes: config.queueMaxBytes,
      segmentBytes: config.queueSegmentBytes,
      logger,
    });
    const deadLetters = await new DeadLetterQueue(join(config.dataDirectory, 'dlq')).open();
    const sink: Sink = config.elasticsearch
      ? ElasticsearchSink.fromConfig(config, config.elasticsearch, deadLetters, logger)
      : new FileSink({
          directory: config.fileSinkDirectory,
          maxFileBytes: config.fileMaxBytes,
          retain: config.fileRetain,
        });
    const sidecar = new Sidecar(config, logger, queue, deadLetters, sink);
    await sidecar.begin();
    return sidecar;
  }

  private async begin(): Promise<void> {
    const { config, logger } = this;
    this.metrics.gauges = () => this.gauges();
    const ingest = await this.ingest();
    const budget = new InFlightBudget(config.maxInFlightBytes);
    const tls =
      config.tlsCertFile && config.tlsKeyFile
        ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }
        : undefined;
    if (config.httpPort !== undefined) {
      this.http = new HttpReceiver({
        host: config.host,
        port: config.httpPort,
        maxRequestBytes: config.maxRequestBytes,
        maxDecompressedBytes: config.maxDecompressedBytes,
        budget,
        authToken: config.authToken,
        tls,
        ingest,
        metrics: this.metrics,
        logger,
        readiness: () => this.readiness(),
      });
      this.httpPort = await this.http.listen();
    }
    if (config.grpcPort !== undefined) {
      this.grpc = new GrpcReceiver({
        host: config.host,
        port: config.grpcPort,
        maxDecompressedBytes: config.maxDecompressedBytes,
        budget,
        authToken: config.authToken,
        tls,
        ingest,
        metrics: this.metrics,
        logger,
      });
      this.grpcPort = await this.grpc.listen();
    }
    logger.info('elkhound sidecar listening', {
      'elkhound.http.port': this.httpPort ?? null,
      'elkhound.grpc.port': this.grpcPort ?? null,
      'elkhound.sink': this.sink.kind,
      'elkhound.elasticsearch': config.elasticsearch
        ? describeConnection(config.elasticsearch)
        : null,
      'elkhound.data_dir': config.dataDirectory,
      'elkhound.queue.documents': this.queue.documents,
      'elkhound.tls': tls !== undefined,
      'elkhound.auth': config.authToken !== undefined,
      'elkhound.kafka.forward': config.kafka?.forward ?? 'off',
    });
    this.consumer = new QueueConsumer(this.queue, this.sink, this.metrics, logger, {
      batchBytes: config.bulkFlushBytes,
      inFlight: config.bulkConcurrency + 1,
    });
    // Receiving starts now; sending waits for the templates, so no data stream is ever created
    // without its mappings. Elasticsearch down at start: keep trying while the queue fills.
    void this.startSink();
  }

  /** The receivers' ingest: straight to the queue, or through the Kafka queue as well. */
  private async ingest(): Promise<Ingest> {
    const { config, logger } = this;
    const kafka = config.kafka;
    if (!kafka || kafka.forward === 'off') {
      return new Ingest(this.queue, this.metrics, config.namespace, logger);
    }
    this.kafkaQueue = await DurableQueue.open(join(config.dataDirectory, 'kafka-queue'), {
      maxBytes: config.queueMaxBytes,
      segmentBytes: config.queueSegmentBytes,
      logger,
    });
    const unsent = await new RecordDeadLetters(
      join(config.dataDirectory, 'dlq'),
      UNSENT_RECORD_FILE,
    ).open();
    const { KafkaForwarder, kafkaForwarderGauges } = await import('./kafka/forwarder.js');
    const kafkaQueue = this.kafkaQueue;
    const forwarder = new KafkaForwarder(kafkaQueue, kafka, {
      batchBytes: Math.min(config.bulkFlushBytes, 4 * 1024 ** 2),
      unsent,
      logger,
    });
    this.kafkaForwarder = forwarder;
    this.kafkaGauges = () => kafkaForwarderGauges(kafkaQueue, forwarder);
    forwarder.start();
    return new ForwardingIngest(
      this.queue,
      this.kafkaQueue,
      kafka,
      this.metrics,
      config.namespace,
      logger,
    );
  }

  private async startSink(): Promise<void> {
    for (let attempt = 0; !this.startAbort.signal.aborted; attempt++) {
      try {
        await this.sink.start();
        this.sinkStarted = true;
        this.sinkStartError = undefined;
        this.consumer?.start();
        return;
      } catch (error) {
        this.sinkStartError = error instanceof Error ? error.message : String(error);
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
        this.logger.warn('sink not ready (templates or directory); retrying', {
          ...errorFields(error),
          'elkhound.retry.delay_ms': delay,
        });
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  private async readiness(): Promise<string[]> {
    const problems: string[] = [];
    if (this.queue.isClosed || this.stopping) problems.push('shutting down');
    else if (!this.queue.hasRoomFor(1)) problems.push('queue full');
    else if (this.kafkaQueue && !this.kafkaQueue.hasRoomFor(1)) problems.push('Kafka queue full');
    if (!this.sinkStarted) {
      const what =
        this.sink.kind === 'elasticsearch'
          ? 'index templates not installed yet'
          : 'file sink not ready';
      // The reason, e.g. a key without manage_index_templates (then: elkhound setup with a key
      // that has it, and ELKHOUND_SETUP=false for the sidecar).
      problems.push(this.sinkStartError ? `${what}: ${this.sinkStartError}` : what);
    }
    const sinkProblem = await this.sink.notReadyReason();
    if (sinkProblem) problems.push(sinkProblem);
    const kafkaProblem = this.kafkaForwarder?.notReadyReason();
    if (kafkaProblem) problems.push(kafkaProblem);
    return problems;
  }

  private gauges(): ReturnType<SelfMetrics['gauges']> {
    return [
      ...sinkGauges(this.sink),
      {
        name: 'elkhound_queue_bytes',
        help: 'Bytes in the on-disk queue not yet acknowledged.',
        type: 'gauge',
        samples: [{ labels: {}, value: this.queue.bytes }],
      },
      {
        name: 'elkhound_queue_documents',
        help: 'Documents in the on-disk queue not yet acknowledged.',
        type: 'gauge',
        samples: [{ labels: {}, value: this.queue.documents }],
      },
      {
        name: 'elkhound_queue_max_bytes',
        help: 'Disk budget of the queue.',
        type: 'gauge',
        samples: [{ labels: {}, value: this.config.queueMaxBytes }],
      },
      ...(this.kafkaGauges?.() ?? []),
    ];
  }

  /**
   * Graceful stop: no new requests, requests in flight answered, then the queue drained for at
   * most the shutdown timeout; whatever is left stays on disk for the next start.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const started = Date.now();
    const timeout = this.config.shutdownTimeoutMs;
    this.startAbort.abort();
    const grace = setTimeout(
      () => {
        this.http?.destroyConnections();
        this.grpc?.forceClose();
      },
      Math.min(5_000, timeout),
    );
    await Promise.all([this.http?.close(), this.grpc?.close()]);
    clearTimeout(grace);
    await Promise.all([
      this.consumer?.stop(Math.max(0, timeout - (Date.now() - started))),
      this.kafkaForwarder?.stop(Math.max(0, timeout - (Date.now() - started))),
    ]);
    await this.queue.close();
    await this.kafkaQueue?.close();
    await this.sink.close().catch(() => undefined);
    this.logger.info('elkhound sidecar stopped', {
      'elkhound.queue.documents': this.queue.documents,
      'elkhound.queue.bytes': this.queue.bytes,
    });
  }
}
