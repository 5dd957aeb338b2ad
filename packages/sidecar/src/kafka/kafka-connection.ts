import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig } from './kafka-config';

/** What every Kafka client of Elkhound (producer, consumer) needs to reach the brokers. */
export interface KafkaConnectionOptions {
  tls?: ConnectionOptions;
  sasl?: {
    mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
    username: string;
    password: string;
  };
}

/**
 * TLS and SASL options for the client, from the configuration. The PEM files are read here, at
 * start: a missing file stops the command with its path rather than failing each connection.
 */
export function kafkaConnectionOptions(kafka: KafkaConfig): KafkaConnectionOptions {
  const options: KafkaConnectionOptions = {};
  if (kafka.tls) {
    const pem = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (error) {
        throw new Error(`cannot read the Kafka ${what} ${path}: ${(error as Error).message}`);
      }
    };
    options.tls = {
      ...(kafka.tls.caFile ? { ca: pem(kafka.tls.caFile, 'CA file (kafka.tls.ca_file)') } : {}),
      ...(kafka.tls.certFile && kafka.tls.keyFile
        ? {
            cert: pem(kafka.tls.certFile, 'client certificate (kafka.tls.cert_file)'),
            key: pem(kafka.tls.keyFile, 'client key (kafka.tls.key_file)'),
          }
        : {}),
    };
  }
  if (kafka.sasl) options.sasl = { ...kafka.sasl };
  return options;
}

/** Error codes of the brokers and the client that mean the credentials or the TLS trust are wrong. */
const AUTHENTICATION =
  /SASL_AUTHENTICATION_FAILED|AUTHENTICATION|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE|CLUSTER_AUTHORIZATION_FAILED|TOPIC_AUTHORIZATION_FAILED|GROUP_AUTHORIZATION_FAILED|CERT|self.signed|unable to verify|wrong version number/i;

/**
 * What went wrong talking to Kafka, in one line: the client wraps the broker's answers in
 * layers (MultipleErrors of causes), so the innermost messages are gathered. `credentials` is
 * true when the answer cannot change without a person acting (wrong password or mechanism, a
 * certificate not trusted, no ACL): logged as an error, not a warning.
 */
export function describeKafkaError(error: unknown): { message: string; credentials: boolean } {
  const messages: string[] = [];
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object' || seen.has(value) || depth > 6) return;
    seen.add(value);
    const entry = value as {
      message?: unknown;
      code?: unknown;
      apiId?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof entry.code === 'string') codes.push(entry.code);
    if (typeof entry.apiId === 'string') codes.push(entry.apiId);
    const children = [
      ...(Array.isArray(entry.errors) ? entry.errors : []),
      ...(entry.cause ? [entry.cause] : []),
    ];
    if (children.length === 0 && typeof entry.message === 'string') messages.push(entry.message);
    for (const child of children) visit(child, depth + 1);
    if (children.length > 0 && messages.length === 0 && typeof entry.message === 'string') {
      messages.push(entry.message);
    }
  };
  visit(error, 0);
  if (messages.length === 0) messages.push(String(error));
  const message = [...new Set(messages)].join('; ');
  return { message, credentials: AUTHENTICATION.test([...codes, message].join(' ')) };
}
