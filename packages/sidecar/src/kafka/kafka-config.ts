import type { SignalName } from '../receiver/signals';

/**
 * What the sidecar does with Kafka: `forward` the OTLP it receives to the Collector's topics
 * (instead of, or besides, Elasticsearch), and, for `elkhound consume`, which group reads them.
 */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** off: no Kafka on the sidecar's path; instead: Kafka only; besides: Kafka and Elasticsearch (or files). */
  forward: 'off' | 'instead' | 'besides';
  topics: Record<SignalName, string>;
  /** How a record key picks its partition: the Collector's default (Sarama's FNV-1a) or Java's murmur2. */
  partitioner: 'sarama_compat' | 'murmur2';
  groupId: string;
  /** What a record without a content-type header holds (the Collector's kafka receiver `encoding`). */
  encoding: 'otlp_proto' | 'otlp_json';
  /** Logs / metrics: one record per resource keyed by its attributes (else unkeyed, whole). */
  partitionByResource: { logs: boolean; metrics: boolean };
  /** TLS to the brokers (SSL or SASL_SSL listeners); undefined: plaintext. */
  tls?: KafkaTls;
  /** SASL authentication (SASL_PLAINTEXT or SASL_SSL listeners); undefined: none. */
  sasl?: KafkaSasl;
}

export interface KafkaTls {
  /** PEM file of the CA(s) the brokers' certificates are signed by; undefined: the system's. */
  caFile?: string;
  /** A client certificate and its key (PEM), for brokers with ssl.client.auth=required. */
  certFile?: string;
  keyFile?: string;
}

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface KafkaSasl {
  mechanism: (typeof SASL_MECHANISMS)[number];
  username: string;
  password: string;
}

type Spec = {
  yaml: string;
  env: string;
  kind: 'string' | 'secret' | 'boolean';
  defaultText: string;
  description: string;
};

/** The Kafka rows of the sidecar's options table (config.ts spreads them into OPTIONS). */
export const KAFKA_OPTIONS: readonly Spec[] = [
  {
    yaml: 'kafka.brokers',
    env: 'ELKHOUND_KAFKA_BROKERS',
    kind: 'string',
    defaultText: '(none)',
    description: 'Kafka bootstrap servers, host:port[,host:port…] (a YAML list too).',
  },
  {
    yaml: 'kafka.forward',
    env: 'ELKHOUND_KAFKA_FORWARD',
    kind: 'string',
    defaultText: 'off',
    description:
      'sidecar: off; instead (OTLP to Kafka, not to Elasticsearch/files); besides (to both). Data leaves the queue once Kafka acknowledged it (acks=all, idempotent).',
  },
  {
    yaml: 'kafka.topics.traces',
    env: 'ELKHOUND_KAFKA_TOPIC_TRACES',
    kind: 'string',
    defaultText: 'otlp_spans',
    description: 'Topic of traces (the Collector kafka exporter/receiver default).',
  },
  {
    yaml: 'kafka.topics.logs',
    env: 'ELKHOUND_KAFKA_TOPIC_LOGS',
    kind: 'string',
    defaultText: 'otlp_logs',
    description: 'Topic of logs.',
  },
  {
    yaml: 'kafka.topics.metrics',
    env: 'ELKHOUND_KAFKA_TOPIC_METRICS',
    kind: 'string',
    defaultText: 'otlp_metrics',
    description: 'Topic of metrics.',
  },
  {
    yaml: 'kafka.client_id',
    env: 'ELKHOUND_KAFKA_CLIENT_ID',
    kind: 'string',
    defaultText: 'elkhound',
    description: 'Kafka client id (broker logs and quotas).',
  },
  {
    yaml: 'kafka.partitioner',
    env: 'ELKHOUND_KAFKA_PARTITIONER',
    kind: 'string',
    defaultText: 'sarama_compat',
    description:
      "Partition of a keyed record: sarama_compat (the Collector's default hasher) or murmur2 (Java clients').",
  },
  {
    yaml: 'kafka.group_id',
    env: 'ELKHOUND_KAFKA_GROUP_ID',
    kind: 'string',
    defaultText: 'elkhound',
    description: 'elkhound consume: the consumer group.',
  },
  {
    yaml: 'kafka.encoding',
    env: 'ELKHOUND_KAFKA_ENCODING',
    kind: 'string',
    defaultText: 'otlp_proto',
    description:
      'elkhound consume: otlp_proto or otlp_json, for records without a content-type header.',
  },
  {
    yaml: 'kafka.partition_logs_by_resource_attributes',
    env: 'ELKHOUND_KAFKA_PARTITION_LOGS_BY_RESOURCE_ATTRIBUTES',
    kind: 'boolean',
    defaultText: 'false',
    description:
      "sidecar: logs as one record per resource, keyed by a hash of its attributes (the Collector's option of that name); false: one unkeyed record per request.",
  },
  {
    yaml: 'kafka.partition_metrics_by_resource_attributes',
    env: 'ELKHOUND_KAFKA_PARTITION_METRICS_BY_RESOURCE_ATTRIBUTES',
    kind: 'boolean',
    defaultText: 'false',
    description: 'sidecar: the same for metrics.',
  },
  {
    yaml: 'kafka.tls.enabled',
    env: 'ELKHOUND_KAFKA_TLS',
    kind: 'boolean',
    defaultText: 'false, true when a kafka.tls file is set',
    description: "TLS to the brokers (SSL / SASL_SSL listeners), checked against the system's CAs.",
  },
  {
    yaml: 'kafka.tls.ca_file',
    env: 'ELKHOUND_KAFKA_TLS_CA_FILE',
    kind: 'string',
    defaultText: '(none)',
    description: "PEM file of the CA that signed the brokers' certificates.",
  },
  {
    yaml: 'kafka.tls.cert_file',
    env: 'ELKHOUND_KAFKA_TLS_CERT_FILE',
    kind: 'string',
    defaultText: '(none)',
    description: 'PEM client certificate, for brokers that require one (with kafka.tls.key_file).',
  },
  {
    yaml: 'kafka.tls.key_file',
    env: 'ELKHOUND_KAFKA_TLS_KEY_FILE',
    kind: 'string',
    defaultText: '(none)',
    description: 'PEM private key of kafka.tls.cert_file.',
  },
  {
    yaml: 'kafka.sasl.mechanism',
    env: 'ELKHOUND_KAFKA_SASL_MECHANISM',
    kind: 'string',
    defaultText: '(none)',
    description:
      'SASL authentication: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with kafka.sasl.username and kafka.sasl.password).',
  },
  {
    yaml: 'kafka.sasl.username',
    env: 'ELKHOUND_KAFKA_SASL_USERNAME',
    kind: 'string',
    defaultText: '(none)',
    description: 'SASL user name.',
  },
  {
    yaml: 'kafka.sasl.password',
    env: 'ELKHOUND_KAFKA_SASL_PASSWORD',
    kind: 'secret',
    defaultText: '(none)',
    description: 'SASL password.',
  },
];

type Entry = { value: unknown; source: string } | undefined;

/**
 * The Kafka settings from the raw options (`read` gives a key's value and where it came from);
 * undefined when no broker is set. Throws `fail(message)` for anything invalid.
 */
export function readKafkaConfig(
  read: (key: string) => Entry,
  fail: (message: string) => Error,
): KafkaConfig | undefined {
  const text = (key: string, fallback: string): string => {
    const entry = read(key);
    if (entry === undefined) return fallback;
    if (typeof entry.value === 'string' && entry.value.trim() !== '') return entry.value.trim();
    throw fail(`${entry.source}: ${JSON.stringify(entry.value)} is not a text value`);
  };
  const oneOf = <T extends string>(key: string, fallback: T, allowed: readonly T[]): T => {
    const value = text(key, fallback);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw fail(`${read(key)?.source ?? key}: "${value}" is not one of ${allowed.join(', ')}`);
  };
  const forward = oneOf('kafka.forward', 'off', ['off', 'instead', 'besides'] as const);
  const brokersEntry = read('kafka.brokers');
  if (brokersEntry === undefined) {
    if (forward !== 'off') {
      throw fail(
        `kafka.forward is "${forward}" but no broker is set; set ELKHOUND_KAFKA_BROKERS (kafka.brokers), e.g. 127.0.0.1:9092`,
      );
    }
    return undefined;
  }
  const list = Array.isArray(brokersEntry.value)
    ? brokersEntry.value.map(String)
    : String(brokersEntry.value).split(',');
  const brokers = list.map((broker) => broker.trim()).filter((broker) => broker !== '');
  const malformed = brokers.find((broker) => !/^[^\s:/]+:\d{1,5}$/.test(broker));
  if (brokers.length === 0 || malformed !== undefined) {
    throw fail(
      `${brokersEntry.source}: ${JSON.stringify(malformed ?? brokersEntry.value)} is not a broker; expected host:port, e.g. 127.0.0.1:9092 (no scheme)`,
    );
  }
  const topic = (key: string, fallback: string): string => {
    const value = text(key, fallback);
    // Kafka's own rule for topic names.
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(value) || value === '.' || value === '..') {
      throw fail(
        `${read(key)?.source ?? key}: "${value}" is not a Kafka topic name; expected letters, digits, ".", "_" or "-"`,
      );
    }
    return value;
  };
  const optionalText = (key: string): string | undefined => {
    const entry = read(key);
    return entry === undefined ? undefined : text(key, '');
  };
  const flag = (key: string): boolean | undefined => {
    const entry = read(key);
    if (entry === undefined) return undefined;
    const value = String(entry.value).trim().toLowerCase();
    if (value !== 'true' && value !== 'false') {
      throw fail(`${entry.source}: ${JSON.stringify(entry.value)} is not true or false`);
    }
    return value === 'true';
  };
  const tlsEnabled = flag('kafka.tls.enabled');
  const caFile = optionalText('kafka.tls.ca_file');
  const certFile = optionalText('kafka.tls.cert_file');
  const keyFile = optionalText('kafka.tls.key_file');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw fail(
      'kafka.tls.cert_file and kafka.tls.key_file (ELKHOUND_KAFKA_TLS_CERT_FILE / ELKHOUND_KAFKA_TLS_KEY_FILE): expected both or neither',
    );
  }
  const tlsFiles = caFile !== undefined || certFile !== undefined;
  if (tlsEnabled === false && tlsFiles) {
    throw fail(
      'kafka.tls.enabled (ELKHOUND_KAFKA_TLS) is false but a kafka.tls file is set; remove one or the other',
    );
  }
  const tls: KafkaTls | undefined =
    (tlsEnabled ?? tlsFiles)
      ? {
          ...(caFile === undefined ? {} : { caFile }),
          ...(certFile === undefined ? {} : { certFile, keyFile }),
        }
      : undefined;
  const mechanismEntry = read('kafka.sasl.mechanism');
  const username = optionalText('kafka.sasl.username');
  const password = optionalText('kafka.sasl.password');
  let sasl: KafkaSasl | undefined;
  if (mechanismEntry === undefined) {
    if (username !== undefined || password !== undefined) {
      throw fail(
        'kafka.sasl.username/password are set but kafka.sasl.mechanism (ELKHOUND_KAFKA_SASL_MECHANISM) is not; expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
      );
    }
  } else {
    const mechanism = text('kafka.sasl.mechanism', '').toUpperCase();
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw fail(
        `${mechanismEntry.source}: "${mechanism}" is not one of ${SASL_MECHANISMS.join(', ')}`,
      );
    }
    if (username === undefined || password === undefined) {
      throw fail(
        `kafka.sasl.mechanism is ${mechanism} but kafka.sasl.username or kafka.sasl.password (ELKHOUND_KAFKA_SASL_USERNAME / ELKHOUND_KAFKA_SASL_PASSWORD) is not set`,
      );
    }
    sasl = { mechanism: mechanism as KafkaSasl['mechanism'], username, password };
  }
  return {
    brokers,
    clientId: text('kafka.client_id', 'elkhound'),
    forward,
    topics: {
      traces: topic('kafka.topics.traces', 'otlp_spans'),
      logs: topic('kafka.topics.logs', 'otlp_logs'),
      metrics: topic('kafka.topics.metrics', 'otlp_metrics'),
    },
    partitioner: oneOf('kafka.partitioner', 'sarama_compat', ['sarama_compat', 'murmur2'] as const),
    groupId: text('kafka.group_id', 'elkhound'),
    encoding: oneOf('kafka.encoding', 'otlp_proto', ['otlp_proto', 'otlp_json'] as const),
    partitionByResource: {
      logs: flag('kafka.partition_logs_by_resource_attributes') ?? false,
      metrics: flag('kafka.partition_metrics_by_resource_attributes') ?? false,
    },
    ...(tls ? { tls } : {}),
    ...(sasl ? { sasl } : {}),
  };
}
