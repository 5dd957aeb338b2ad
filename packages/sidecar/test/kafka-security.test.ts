import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { loadConfig } from '../src/config';
import type { KafkaConfig } from '../src/kafka/kafka-config';
import { kafkaConnectionOptions } from '../src/kafka/kafka-connection';
import { kafkaBootstrap, spawnConsumer, stopKafka, type ConsumerProcess } from './support/kafka';
import { exactlyOnce, spanIdCounts } from './support/load';
import { makeSpans, traceRequestProtobuf } from './support/requests';
import { spawnSidecar, uniqueNamespace, type SidecarProcess } from './support/sidecar-process';

const ROOT = join(__dirname, '..', '..', '..');
const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * A broker of its own that takes SASL only (scripts/kafka.sh with ELKHOUND_KAFKA_SASL=1: PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512 for the user `elkhound`), beside the run's broker (its ports:
 * the run's first port + 8 and + 9, or ELKHOUND_KAFKA_SASL_PORT).
 */
class SaslBroker {
  readonly port: number;
  brokers = '';
  password = '';
  caFile = '';

  /** `tls`: SASL_SSL (ELKHOUND_KAFKA_TLS=1), on the run's first port + 10 and + 11. */
  constructor(private readonly tls = false) {
    const first = Number(kafkaBootstrap().split(',')[0]?.split(':')[1] ?? 9092);
    this.port = tls
      ? Number(process.env.ELKHOUND_KAFKA_TLS_PORT ?? first + 10)
      : Number(process.env.ELKHOUND_KAFKA_SASL_PORT ?? first + 8);
  }

  private script(...args: string[]): string {
    return execFileSync('bash', [join(ROOT, 'scripts', 'kafka.sh'), ...args], {
      encoding: 'utf8',
      timeout: 180_000,
      env: {
        ...process.env,
        ELKHOUND_KAFKA_PORT: String(this.port),
        ELKHOUND_KAFKA_SASL: '1',
        ...(this.tls ? { ELKHOUND_KAFKA_TLS: '1' } : {}),
      },
    }).trim();
  }

  start(): void {
    this.brokers = this.script('start');
    this.password = this.script('sasl-password');
    if (this.tls) this.caFile = this.script('ca-file');
  }

  stop(): void {
    this.script('stop');
  }
}

async function waitForSpans(namespace: string, expected: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 60_000;
  let counts = new Map<string, number>();
  while (Date.now() < deadline) {
    counts = await spanIdCounts(`traces-elkhound-${namespace}`).catch(
      () => new Map<string, number>(),
    );
    if (counts.size >= expected) return counts;
    await sleep(500);
  }
  return counts;
}

async function readyz(process: { url(path: string): string }): Promise<[number, string]> {
  const response = await fetch(process.url('/readyz'));
  return [response.status, await response.text()];
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(250);
    value = await probe();
  }
  return value;
}

async function topicsFor(
  broker: SaslBroker,
  prefix: string,
): Promise<{ namespace: string; env: Record<string, string> }> {
  const namespace = uniqueNamespace(prefix);
  const names = [`spans_${namespace}`, `logs_${namespace}`, `metrics_${namespace}`];
  const admin = new Admin({
    clientId: 'elkhound-test',
    bootstrapBrokers: broker.brokers.split(','),
    sasl: { mechanism: 'SCRAM-SHA-256', username: 'elkhound', password: broker.password },
    ...(broker.caFile ? { tls: { ca: readFileSync(broker.caFile) } } : {}),
  });
  try {
    await admin.createTopics({ topics: names, partitions: 2, replicas: 1 });
  } finally {
    await admin.close();
  }
  return {
    namespace,
    env: {
      ELKHOUND_NAMESPACE: namespace,
      ELKHOUND_KAFKA_BROKERS: broker.brokers,
      ELKHOUND_KAFKA_TOPIC_TRACES: names[0] as string,
      ELKHOUND_KAFKA_TOPIC_LOGS: names[1] as string,
      ELKHOUND_KAFKA_TOPIC_METRICS: names[2] as string,
      ELKHOUND_KAFKA_GROUP_ID: `group_${namespace}`,
      ELKHOUND_KAFKA_SASL_USERNAME: 'elkhound',
    },
  };
}

async function send(edge: SidecarProcess, spans: ReturnType<typeof makeSpans>): Promise<void> {
  const answer = await fetch(edge.url('/v1/traces'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: traceRequestProtobuf(spans),
  });
  assert.equal(answer.status, 200);
}

/**
 * The suite's broker, started before its tests and stopped after them, and the Elkhound processes
 * a test started (pushed to `running`), killed after each test.
 */
function brokerOfTheSuite(broker: SaslBroker): {
  broker: SaslBroker;
  running: Array<SidecarProcess | ConsumerProcess>;
} {
  const running: Array<SidecarProcess | ConsumerProcess> = [];
  before(() => broker.start());
  afterEach(async () => {
    for (const process of running.splice(0)) await process.stop('SIGKILL');
  });
  after(() => {
    broker.stop();
    stopKafka();
  });
  return { broker, running };
}

describe('Kafka with SASL (PLAIN, SCRAM-SHA-256/512) on a real broker', function () {
  this.timeout(240_000);
  const { broker, running } = brokerOfTheSuite(new SaslBroker());

  it('the sidecar produces with SCRAM-SHA-512, elkhound consume reads with SCRAM-SHA-256 and with PLAIN: every span once', async () => {
    const topics = await topicsFor(broker, 'kafkascram');
    const edge = await spawnSidecar({
      ...topics.env,
      ELKHOUND_KAFKA_FORWARD: 'instead',
      ELKHOUND_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      ELKHOUND_KAFKA_SASL_PASSWORD: broker.password,
    });
    running.push(edge);
    for (const mechanism of ['SCRAM-SHA-256', 'PLAIN']) {
      running.push(
        await spawnConsumer({
          ...topics.env,
          ELKHOUND_KAFKA_SASL_MECHANISM: mechanism,
          ELKHOUND_KAFKA_SASL_PASSWORD: broker.password,
        }),
      );
    }
    const acknowledged = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const spans = makeSpans(10, 'kafka-sasl');
      await send(edge, spans);
      for (const span of spans) acknowledged.add(span.spanContext().spanId);
    }
    const counts = await waitForSpans(topics.namespace, acknowledged.size);
    assert.deepEqual(exactlyOnce(acknowledged, counts), []);
    for (const process of running) {
      const [status, text] = await readyz(process);
      assert.equal(status, 200, text);
    }
  });

  it('a wrong password: /readyz and the log say so, nothing is lost; with the right one everything arrives once', async () => {
    const topics = await topicsFor(broker, 'kafkawrongpw');
    const wrong = {
      ELKHOUND_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      ELKHOUND_KAFKA_SASL_PASSWORD: 'not-the-password',
    };
    const edge = await spawnSidecar({ ...topics.env, ...wrong, ELKHOUND_KAFKA_FORWARD: 'instead' });
    running.push(edge);
    const consumer = await spawnConsumer({ ...topics.env, ...wrong });
    running.push(consumer);
    const spans = makeSpans(30, 'kafka-wrong-password');
    // Accepted: the records wait, fsynced, in the sidecar's Kafka queue.
    await send(edge, spans);
    for (const process of [edge, consumer]) {
      const [status, text] = await waitFor(
        () => readyz(process),
        ([code, body]) => code === 503 && /SASL authentication failed/.test(body),
      );
      assert.equal(status, 503, text);
      assert.match(text, /SASL authentication failed/);
      const errors = process.lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry['log.level'] === 'error');
      assert.ok(
        errors.some((entry) => /SASL authentication failed/.test(String(entry['error.message']))),
        `no error line about the password in ${process.lines.slice(-5).join('\n')}`,
      );
    }
    // The same sidecar data directory and the same group, with the right password.
    await edge.stop('SIGTERM');
    await consumer.stop('SIGTERM');
    running.splice(0);
    const right = {
      ELKHOUND_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      ELKHOUND_KAFKA_SASL_PASSWORD: broker.password,
    };
    running.push(
      await spawnSidecar(
        { ...topics.env, ...right, ELKHOUND_KAFKA_FORWARD: 'instead' },
        edge.dataDirectory,
      ),
    );
    running.push(await spawnConsumer({ ...topics.env, ...right }));
    const acknowledged = new Set(spans.map((span) => span.spanContext().spanId));
    const counts = await waitForSpans(topics.namespace, acknowledged.size);
    assert.deepEqual(exactlyOnce(acknowledged, counts), []);
  });
});

describe('Kafka over TLS (SASL_SSL) on a real broker', function () {
  this.timeout(240_000);
  const { broker, running } = brokerOfTheSuite(new SaslBroker(true));

  it('with the CA file: produced and consumed over TLS, every span once; without it: /readyz says the certificate is not trusted', async () => {
    const topics = await topicsFor(broker, 'kafkatls');
    const sasl = {
      ELKHOUND_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      ELKHOUND_KAFKA_SASL_PASSWORD: broker.password,
    };
    const untrusting = await spawnConsumer({ ...topics.env, ...sasl, ELKHOUND_KAFKA_TLS: 'true' });
    running.push(untrusting);
    const trusted = { ...topics.env, ...sasl, ELKHOUND_KAFKA_TLS_CA_FILE: broker.caFile };
    const edge = await spawnSidecar({ ...trusted, ELKHOUND_KAFKA_FORWARD: 'instead' });
    running.push(edge);
    const [status, text] = await waitFor(
      () => readyz(untrusting),
      ([code]) => code === 503,
    );
    assert.equal(status, 503, text);
    assert.match(text, /certificate/);
    running.push(await spawnConsumer(trusted));
    const acknowledged = new Set<string>();
    for (let index = 0; index < 10; index++) {
      const spans = makeSpans(10, 'kafka-tls');
      await send(edge, spans);
      for (const span of spans) acknowledged.add(span.spanContext().spanId);
    }
    const counts = await waitForSpans(topics.namespace, acknowledged.size);
    assert.deepEqual(exactlyOnce(acknowledged, counts), []);
  });
});

describe('Kafka TLS and SASL settings', () => {
  const brokers = { ELKHOUND_KAFKA_BROKERS: '127.0.0.1:9092' };

  it('reads TLS and SASL from the environment; a file implies TLS', () => {
    const config = loadConfig({
      env: {
        ...brokers,
        ELKHOUND_KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem',
        ELKHOUND_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        ELKHOUND_KAFKA_SASL_USERNAME: 'elkhound',
        ELKHOUND_KAFKA_SASL_PASSWORD: 's3cret',
      },
    });
    assert.deepEqual(config.kafka?.tls, { caFile: '/etc/kafka/ca.pem' });
    assert.deepEqual(config.kafka?.sasl, {
      mechanism: 'SCRAM-SHA-512',
      username: 'elkhound',
      password: 's3cret',
    });
    assert.deepEqual(
      loadConfig({ env: { ...brokers, ELKHOUND_KAFKA_TLS: 'true' } }).kafka?.tls,
      {},
    );
    assert.equal(loadConfig({ env: brokers }).kafka?.tls, undefined);
    assert.equal(loadConfig({ env: brokers }).kafka?.sasl, undefined);
  });

  it('refuses incomplete or contradictory settings with the reason', () => {
    const refused: Array<[Record<string, string>, RegExp]> = [
      [
        {
          ELKHOUND_KAFKA_SASL_MECHANISM: 'GSSAPI',
          ELKHOUND_KAFKA_SASL_USERNAME: 'u',
          ELKHOUND_KAFKA_SASL_PASSWORD: 'p',
        },
        /"GSSAPI" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/,
      ],
      [
        { ELKHOUND_KAFKA_SASL_MECHANISM: 'PLAIN', ELKHOUND_KAFKA_SASL_USERNAME: 'u' },
        /kafka.sasl.username or kafka.sasl.password .* is not set/,
      ],
      [
        { ELKHOUND_KAFKA_SASL_PASSWORD: 'p' },
        /kafka.sasl.mechanism \(ELKHOUND_KAFKA_SASL_MECHANISM\) is not/,
      ],
      [{ ELKHOUND_KAFKA_TLS_CERT_FILE: '/c.pem' }, /expected both or neither/],
      [
        { ELKHOUND_KAFKA_TLS: 'false', ELKHOUND_KAFKA_TLS_CA_FILE: '/ca.pem' },
        /is false but a kafka.tls file is set/,
      ],
      [{ ELKHOUND_KAFKA_TLS: 'yes' }, /ELKHOUND_KAFKA_TLS: "yes" is not true or false/],
    ];
    for (const [env, message] of refused) {
      assert.throws(() => loadConfig({ env: { ...brokers, ...env } }), message);
    }
  });

  it('a CA file that cannot be read stops the command with its path', () => {
    const config = loadConfig({
      env: { ...brokers, ELKHOUND_KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' },
    });
    assert.throws(
      () => kafkaConnectionOptions(config.kafka as KafkaConfig),
      /cannot read the Kafka CA file \(kafka.tls.ca_file\) \/nonexistent\/ca.pem/,
    );
  });
});
