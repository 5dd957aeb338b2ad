import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Admin, Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka';
import { spanIdCounts } from './load';
import {
  spawnElkhound,
  temporaryDirectory,
  uniqueNamespace,
  type ElkhoundProcess,
} from './sidecar-process';

const ROOT = join(__dirname, '..', '..', '..', '..');

let startedHere = false;

/**
 * The run's Kafka: KAFKA_BOOTSTRAP_SERVERS (scripts/test.sh starts one), or one broker started
 * here by scripts/kafka.sh (and stopped by `stopKafka`).
 */
export function kafkaBootstrap(): string {
  if (process.env.KAFKA_BOOTSTRAP_SERVERS) return process.env.KAFKA_BOOTSTRAP_SERVERS;
  const script = join(ROOT, 'scripts', 'kafka.sh');
  let servers: string;
  try {
    servers = execFileSync('bash', [script, 'status'], { encoding: 'utf8' })
      .trim()
      .replace(/^Kafka \S+ at /, '');
  } catch {
    servers = execFileSync('bash', [script, 'start'], {
      encoding: 'utf8',
      timeout: 180_000,
    }).trim();
    startedHere = true;
  }
  process.env.KAFKA_BOOTSTRAP_SERVERS = servers;
  return servers;
}

export function stopKafka(): void {
  if (!startedHere) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'kafka.sh'), 'stop'], { stdio: 'ignore' });
  startedHere = false;
  delete process.env.KAFKA_BOOTSTRAP_SERVERS;
}

/**
 * A cluster of three brokers for the failure tests, started by scripts/kafka.sh beside the
 * run's broker (its ports: the run's first port + 2 and up), and `kafka.sh` run against it.
 */
export class ThreeBrokers {
  readonly port: number;
  brokers = '';

  constructor() {
    const first = Number(kafkaBootstrap().split(',')[0]?.split(':')[1] ?? 9092);
    this.port = Number(process.env.ELKHOUND_KAFKA_FAILOVER_PORT ?? first + 2);
  }

  private script(...args: string[]): string {
    return execFileSync('bash', [join(ROOT, 'scripts', 'kafka.sh'), ...args], {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, ELKHOUND_KAFKA_PORT: String(this.port) },
    }).trim();
  }

  start(): void {
    this.brokers = this.script('start', '3');
  }

  killNode(node: number): void {
    this.script('kill-node', String(node));
  }

  startNode(node: number): void {
    this.script('start-node', String(node));
  }

  stop(): void {
    this.script('stop');
  }
}

export async function createTopics(
  names: string[],
  partitions: number,
  configs: Record<string, string> = {},
  cluster: { brokers: string; replicas: number } = { brokers: kafkaBootstrap(), replicas: 1 },
): Promise<void> {
  const admin = new Admin({
    clientId: 'elkhound-test',
    bootstrapBrokers: cluster.brokers.split(','),
  });
  try {
    await admin.createTopics({
      topics: names,
      partitions,
      replicas: cluster.replicas,
      configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
    });
  } finally {
    await admin.close();
  }
}

export interface RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | undefined;
  headers: Map<string, string>;
  value: Buffer;
}

/** Every record of `topic` (read from the beginning by a throw-away group), until `count`. */
export async function readRecords(
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<RawRecord[]> {
  const consumer = new Consumer({
    clientId: 'elkhound-test-reader',
    groupId: `reader-${topic}-${Date.now()}`,
    bootstrapBrokers: kafkaBootstrap().split(','),
  });
  const records: RawRecord[] = [];
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: false,
    maxWaitTime: 200,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${count} records of ${topic}`)),
        timeoutMs,
      );
      stream.on('data', (message) => {
        const headers = new Map<string, string>();
        for (const [key, value] of message.headers) headers.set(key.toString(), value.toString());
        records.push({
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key ? message.key.toString() : undefined,
          headers,
          value: message.value,
        });
        if (records.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    await stream.close().catch(() => undefined);
    await consumer.close(true).catch(() => undefined);
  }
  return records;
}

/** Produces raw records (the poison tests' garbage, or what a Collector would write). */
export async function produceRaw(
  messages: Array<{
    topic: string;
    partition?: number;
    value: Buffer;
    headers?: Record<string, string>;
  }>,
): Promise<void> {
  const producer = new Producer({
    clientId: 'elkhound-test-producer',
    bootstrapBrokers: kafkaBootstrap().split(','),
  });
  try {
    await producer.send({
      messages: messages.map((message) => ({
        topic: message.topic,
        ...(message.partition === undefined ? {} : { partition: message.partition }),
        value: message.value,
        headers: new Map(
          Object.entries(message.headers ?? {}).map(([key, value]) => [
            Buffer.from(key),
            Buffer.from(value),
          ]),
        ),
      })),
    });
  } finally {
    await producer.close();
  }
}

export interface ConsumerProcess extends ElkhoundProcess {
  httpPort: number;
}

/** `elkhound consume` as a real child process; resolves once it serves /metrics. */
export async function spawnConsumer(
  env: Record<string, string | undefined>,
  dataDirectory = temporaryDirectory('consume'),
): Promise<ConsumerProcess> {
  const started = await spawnElkhound(
    'consume',
    {
      ELKHOUND_KAFKA_BROKERS: kafkaBootstrap(),
      ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL,
      ...env,
    },
    dataDirectory,
  );
  return { ...started, httpPort: started.listening['elkhound.http.port'] as number };
}

/** A metric's value (summed over its label sets) from a /metrics URL. */
export async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.split(' ').pop());
  }
  return sum;
}

export interface Topics {
  namespace: string;
  /** The settings of `elkhound sidecar` and `elkhound consume` for these topics and group. */
  env: Record<string, string>;
  traces: string;
  logs: string;
}

/** Topics and a group of their own for one test: tests never read each other's records. */
export async function freshTopics(
  prefix: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<Topics> {
  const namespace = uniqueNamespace(prefix);
  const traces = `spans_${namespace}`;
  const logs = `logs_${namespace}`;
  const metrics = `metrics_${namespace}`;
  await createTopics([traces, logs, metrics], partitions, configs);
  return {
    namespace,
    traces,
    logs,
    env: {
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_KAFKA_BROKERS: kafkaBootstrap(),
      ELKHOUND_KAFKA_TOPIC_TRACES: traces,
      ELKHOUND_KAFKA_TOPIC_LOGS: logs,
      ELKHOUND_KAFKA_TOPIC_METRICS: metrics,
      ELKHOUND_KAFKA_GROUP_ID: `group_${namespace}`,
    },
  };
}

/** Polls Elasticsearch until `expected` span ids are there (or the time is up). */
export async function waitForSpans(
  namespace: string,
  expected: number,
  timeoutMs = 60_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let counts = new Map<string, number>();
  while (Date.now() < deadline) {
    counts = await spanIdCounts(`traces-elkhound-${namespace}`).catch(
      () => new Map<string, number>(),
    );
    if (counts.size >= expected) return counts;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return counts;
}
