import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describeConnection } from '@elkhound/exporter-elasticsearch';
import type { SidecarConfig } from '../config';
import { DeadLetterQueue } from '../dlq/dead-letter-queue';
import { errorFields, type Logger } from '../log';
import { LATENCY_BUCKETS, SelfMetrics } from '../self-metrics';
import { ElasticsearchSink } from '../sink/elasticsearch-sink';
import { KafkaConsumerWorker } from './consumer-worker';
import { RecordDeadLetters } from './record-dead-letters';
import { sinkGauges } from '../sink/sink';

/** A running `elkhound consume`: the worker, its sink and its /metrics server. */
export class ConsumeService {
  httpPort: number | undefined;
  private server: Server | undefined;
  private readonly metrics = new SelfMetrics();
  private readonly startAbort = new AbortController();
  private starting: Promise<void> | undefined;
  private templateProblem: string | undefined;

  private constructor(
    readonly config: SidecarConfig,
    private readonly logger: Logger,
    readonly worker: KafkaConsumerWorker,
    private readonly sink: ElasticsearchSink,
    readonly recordDeadLetters: RecordDeadLetters,
  ) {}

  static async start(config: SidecarConfig, logger: Logger): Promise<ConsumeService> {
    const kafka = config.kafka;
    if (!kafka) {
      throw new Error('ELKHOUND_KAFKA_BROKERS (kafka.brokers in the config file) is not set');
    }
    if (!config.elasticsearch) {
      throw new Error(
        'ELASTICSEARCH_URL or ELASTIC_CLOUD_ID (or elasticsearch.url / elasticsearch.cloud_id in the config file) is not set',
      );
    }
    const dlqDirectory = join(config.dataDirectory, 'dlq');
    const deadLetters = await new DeadLetterQueue(dlqDirectory).open();
    const recordDeadLetters = await new RecordDeadLetters(dlqDirectory).open();
    const sink = ElasticsearchSink.fromConfig(config, config.elasticsearch, deadLetters, logger);
    const worker = new KafkaConsumerWorker({
      kafka,
      namespace: config.namespace,
      sink,
      deadLetters: recordDeadLetters,
      logger,
      maxInFlight: config.bulkConcurrency + 1,
    });
    const service = new ConsumeService(config, logger, worker, sink, recordDeadLetters);
    await service.listen();
    logger.info('elkhound consume listening', {
      'elkhound.http.port': service.httpPort ?? null,
      'elkhound.kafka.brokers': kafka.brokers.join(','),
      'elkhound.kafka.group': kafka.groupId,
      'elkhound.kafka.topics': worker.topics.join(','),
      'elkhound.elasticsearch': describeConnection(config.elasticsearch),
    });
    service.starting = service.begin();
    return service;
  }

  /** Templates first (no data stream without its mappings), then the group; retried while Elasticsearch is down. */
  private async begin(): Promise<void> {
    for (let attempt = 0; !this.startAbort.signal.aborted; attempt++) {
      try {
        await this.sink.start();
        this.templateProblem = undefined;
        break;
      } catch (error) {
        this.templateProblem = (error as Error)?.message ?? String(error);
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
        this.logger.warn('Elasticsearch templates not installed yet; retrying', {
          ...errorFields(error),
          'elkhound.retry.delay_ms': delay,
        });
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    if (this.startAbort.signal.aborted) return;
    await this.worker.start();
  }

  /** Why documents do not flow now: Kafka (credentials, brokers away), Elasticsearch, templates. */
  private async readiness(): Promise<string[]> {
    const problems: string[] = [];
    if (this.templateProblem)
      problems.push(`index templates not installed yet: ${this.templateProblem}`);
    const kafkaProblem = this.worker.notReadyReason();
    if (kafkaProblem) problems.push(kafkaProblem);
    const sinkProblem = await this.sink.notReadyReason().catch((error: unknown) => String(error));
    if (sinkProblem) problems.push(sinkProblem);
    return problems;
  }

  private async listen(): Promise<void> {
    this.metrics.gauges = () => this.gauges();
    if (this.config.httpPort === undefined) return;
    this.server = createServer((request, response) => {
      if (request.url === '/metrics') {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        response.end(this.metrics.render() + this.commitLatencyLines());
      } else if (request.url === '/readyz') {
        void this.readiness().then((problems) => {
          response.writeHead(problems.length === 0 ? 200 : 503, { 'content-type': 'text/plain' });
          response.end(problems.length === 0 ? 'ready\n' : problems.join('\n') + '\n');
        });
      } else if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok\n');
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.config.httpPort, this.config.host, () => resolve());
    });
    const address = this.server.address();
    this.httpPort = typeof address === 'object' && address ? address.port : undefined;
  }

  private gauges(): ReturnType<SelfMetrics['gauges']> {
    const worker = this.worker;
    return [
      {
        name: 'elkhound_kafka_consumed_records_total',
        help: 'Kafka records read and settled (documents written or record dead-lettered).',
        type: 'counter',
        samples: [{ labels: {}, value: worker.consumed }],
      },
      {
        name: 'elkhound_kafka_dead_lettered_records_total',
        help: 'Kafka records that could not be read, written to the dead-letter path.',
        type: 'counter',
        samples: [{ labels: {}, value: worker.poisoned }],
      },
      {
        name: 'elkhound_kafka_commits_total',
        help: 'Offset commits, by outcome.',
        type: 'counter',
        samples: [
          { labels: { outcome: 'committed' }, value: worker.commits },
          { labels: { outcome: 'refused' }, value: worker.commitFailures },
        ],
      },
      {
        name: 'elkhound_kafka_consumer_lag',
        help: 'Records behind the end of each partition this member reads (from the lag monitor).',
        type: 'gauge',
        samples: [...worker.lag.values()].map((entry) => ({
          labels: { topic: entry.topic, partition: String(entry.partition) },
          value: entry.lag,
        })),
      },
      ...sinkGauges(this.sink),
    ];
  }

  private commitLatencyLines(): string {
    const histogram = this.worker.commitLatency;
    const name = 'elkhound_kafka_commit_duration_seconds';
    const lines = [
      `# HELP ${name} Time for Kafka to accept one offset commit.`,
      `# TYPE ${name} histogram`,
    ];
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((bound, index) => {
      cumulative += histogram.counts[index] ?? 0;
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(
      `${name}_bucket{le="+Inf"} ${histogram.count}`,
      `${name}_sum ${histogram.sum}`,
      `${name}_count ${histogram.count}`,
    );
    return lines.join('\n') + '\n';
  }

  async stop(): Promise<void> {
    this.startAbort.abort();
    // The worker first: it also ends a connection attempt still retrying (a wrong password
    // retries until stopped), which the start waits for.
    await this.worker.stop(this.config.shutdownTimeoutMs);
    await this.starting?.catch(() => undefined);
    await this.sink.close().catch(() => undefined);
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.logger.info('elkhound consume stopped', {
      'elkhound.kafka.consumed': this.worker.consumed,
    });
  }
}
