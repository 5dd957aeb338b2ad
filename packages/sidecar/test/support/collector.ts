// A real OpenTelemetry Collector for the compatibility tests: the binary of
// test/collector/builder-config.yaml (built once by scripts/build-collector.sh into a cache outside
// the work tree), started with a configuration of the test's, and an OTLP/HTTP endpoint the
// Collector's otlphttp exporter writes to so the test can read back what the Collector decoded.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const MANIFEST = join(__dirname, '..', 'collector', 'builder-config.yaml');

/**
 * The Collector's binary: ELKHOUND_KAFKA_COLLECTOR (scripts/test.sh builds it before the tests),
 * else built (or found in the cache) here. Where Go is missing this throws, saying what to
 * install: the compatibility tests fail, they are never skipped.
 */
export function collectorBinary(): string {
  const given = process.env.ELKHOUND_KAFKA_COLLECTOR;
  if (given && existsSync(given)) return given;
  try {
    const binary = execFileSync('bash', [join(ROOT, 'scripts', 'build-collector.sh'), MANIFEST], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30 * 60_000,
    }).trim();
    process.env.ELKHOUND_KAFKA_COLLECTOR = binary;
    return binary;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    throw new Error(
      `the OpenTelemetry Collector of ${MANIFEST} could not be built (bash scripts/build-collector.sh):\n${stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningCollector {
  child: ChildProcess;
  /** Everything the Collector logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the Collector with `config` (YAML); resolves once it says it is ready. */
export async function startCollector(binary: string, config: string): Promise<RunningCollector> {
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-otelcol-'));
  const configPath = join(directory, 'config.yaml');
  writeFileSync(configPath, config);
  const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Everything is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Collector did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** OTLP/JSON as the Collector's otlphttp exporter writes it with `encoding: json`. */
export interface JsonAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
export interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonResource {
  attributes?: JsonKeyValue[];
}
interface JsonScope {
  name?: string;
  version?: string;
}
export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: JsonKeyValue[];
}
export interface JsonLogRecord {
  timeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: JsonAnyValue;
  attributes?: JsonKeyValue[];
  traceId?: string;
  spanId?: string;
}
/** A span or log record with the resource and scope it came under. */
export interface Received<T> {
  item: T;
  resource: JsonResource;
  scope: JsonScope;
}

/** Attributes as a plain object (int64 values as numbers). */
export function attributesOf(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) attributes[key] = value.stringValue;
    else if (value.intValue !== undefined) attributes[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) attributes[key] = value.doubleValue;
    else if (value.boolValue !== undefined) attributes[key] = value.boolValue;
  }
  return attributes;
}

/**
 * An OTLP/HTTP endpoint for the Collector's otlphttp exporter (`encoding: json`): keeps every span
 * and log record it receives, with its resource and scope, and answers 200.
 */
export class OtlpJsonEndpoint {
  readonly spans: Received<JsonSpan>[] = [];
  readonly logRecords: Received<JsonLogRecord>[] = [];
  readonly refused: string[] = [];
  private server: http.Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          this.take(request.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          this.refused.push(`${request.url}: ${(error as Error).message}`);
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private take(path: string, body: Record<string, unknown>): void {
    if (path === '/v1/traces') {
      type Request = {
        resourceSpans?: {
          resource?: JsonResource;
          scopeSpans?: { scope?: JsonScope; spans?: JsonSpan[] }[];
        }[];
      };
      for (const resourceSpans of (body as Request).resourceSpans ?? [])
        for (const scopeSpans of resourceSpans.scopeSpans ?? [])
          for (const span of scopeSpans.spans ?? [])
            this.spans.push({
              item: span,
              resource: resourceSpans.resource ?? {},
              scope: scopeSpans.scope ?? {},
            });
    } else if (path === '/v1/logs') {
      type Request = {
        resourceLogs?: {
          resource?: JsonResource;
          scopeLogs?: { scope?: JsonScope; logRecords?: JsonLogRecord[] }[];
        }[];
      };
      for (const resourceLogs of (body as Request).resourceLogs ?? [])
        for (const scopeLogs of resourceLogs.scopeLogs ?? [])
          for (const record of scopeLogs.logRecords ?? [])
            this.logRecords.push({
              item: record,
              resource: resourceLogs.resource ?? {},
              scope: scopeLogs.scope ?? {},
            });
    } else {
      throw new Error('not an OTLP traces or logs path');
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
