// `npm run demo`: the whole pipeline on one machine, with no API key and no Elasticsearch needed.
//
//   demo app (openai SDK, node --require @elkhound/auto-register)
//     ─OTLP/HTTP─▶ elkhound sidecar ─▶ NDJSON files (or Elasticsearch when ELASTICSEARCH_URL is set)
//     ─▶ elkhound report
//
// The model provider is a local stand-in (model-server.ts) unless OPENAI_API_KEY is set, in which
// case the app calls the real provider (OPENAI_BASE_URL, or OpenAI's own endpoint).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DemoModelServer } from './model-server';

const SIDECAR_BIN = require.resolve('@elkhound/sidecar/bin/elkhound.js');
// The compiled app, also when this file runs from src/ (tests): the app is what users run.
const APP = join(__dirname, '..', 'dist', 'app.js');

interface DemoOptions {
  /** Where the sidecar keeps its queue and NDJSON files. */
  dataDir: string;
  elasticsearchUrl?: string;
  /** Data stream namespace (default `demo`). */
  namespace?: string;
  log: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function prefixLines(child: ChildProcess, prefix: string, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => log(`${prefix}${line}`));
  }
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolveCode) => {
    if (child.exitCode !== null) resolveCode(child.exitCode);
    else child.once('exit', (code, signal) => resolveCode(code ?? (signal ? 128 : 1)));
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
  }
}

/** A value of the sidecar's Prometheus self-metrics (summed over labels). */
async function selfMetric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { log } = options;
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const realProvider = Boolean(process.env.OPENAI_API_KEY);
  let modelServer: DemoModelServer | undefined;
  let baseURL = process.env.OPENAI_BASE_URL;
  if (!realProvider) {
    modelServer = new DemoModelServer();
    baseURL = await modelServer.listen();
    log(
      `model server  ${baseURL}  — a LOCAL STAND-IN for an OpenAI-compatible provider (set OPENAI_API_KEY to use a real one)`,
    );
  } else
    log(
      `model server  ${baseURL ?? 'https://api.openai.com/v1'}  — the real provider (OPENAI_API_KEY is set)`,
    );

  const port = await freePort();
  const sidecarUrl = `http://127.0.0.1:${port}`;
  const sidecarEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ELKHOUND_DATA_DIR: options.dataDir,
    ELKHOUND_HTTP_PORT: String(port),
    ELKHOUND_GRPC_PORT: 'off',
    ELKHOUND_NAMESPACE: options.namespace ?? 'demo',
    ELKHOUND_LOG_LEVEL: 'warn',
  };
  if (options.elasticsearchUrl) sidecarEnv.ELASTICSEARCH_URL = options.elasticsearchUrl;
  else delete sidecarEnv.ELASTICSEARCH_URL;
  const sidecar = spawn(process.execPath, [SIDECAR_BIN, 'sidecar'], {
    env: sidecarEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(sidecar, '  [sidecar] ', log);
  const sidecarExit = exited(sidecar);
  try {
    await waitFor(async () => (await fetch(`${sidecarUrl}/readyz`)).ok, 'the sidecar to be ready');
    log(
      `sidecar       ${sidecarUrl}  → ${options.elasticsearchUrl ? `Elasticsearch ${options.elasticsearchUrl} (data streams *-elkhound-${options.namespace ?? 'demo'})` : `NDJSON files in ${join(options.dataDir, 'ndjson')}`}`,
    );

    for (const [service, role] of [
      ['support-bot', 'support'],
      ['doc-indexer', 'indexer'],
    ] as const) {
      log(`app           node --require @elkhound/auto-register app.js  (service ${service})`);
      const app = spawn(process.execPath, ['--require', '@elkhound/auto-register', APP], {
        cwd: join(__dirname, '..'),
        env: {
          ...process.env,
          DEMO_ROLE: role,
          OPENAI_BASE_URL: baseURL,
          OPENAI_API_KEY: process.env.OPENAI_API_KEY ?? 'sk-demo-not-a-real-key',
          OTEL_SERVICE_NAME: service,
          OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.4.0,deployment.environment.name=demo',
          OTEL_EXPORTER_OTLP_ENDPOINT: sidecarUrl,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_METRIC_EXPORT_INTERVAL: '2000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      prefixLines(app, '  ', log);
      const code = await exited(app);
      if (code !== 0) throw new Error(`the demo app (${service}) exited with code ${code}`);
    }

    log('waiting for the sidecar to write everything it received…');
    await waitFor(
      async () =>
        (await selfMetric(sidecarUrl, 'elkhound_received_spans_total')) > 0 &&
        (await selfMetric(sidecarUrl, 'elkhound_queue_documents')) === 0,
      'the sidecar queue to drain',
      60_000,
    );
    const spans = await selfMetric(sidecarUrl, 'elkhound_received_spans_total');
    const logRecords = await selfMetric(sidecarUrl, 'elkhound_received_log_records_total');
    log(`sidecar received ${spans} spans and ${logRecords} log records; all written`);
  } finally {
    sidecar.kill('SIGTERM');
    await sidecarExit;
    await modelServer?.close();
  }

  log('');
  const reportArgs = [SIDECAR_BIN, 'report', '--since', '1h'];
  if (!options.elasticsearchUrl) reportArgs.push('--dir', join(options.dataDir, 'ndjson'));
  const htmlFile = join(options.dataDir, 'report.html');
  reportArgs.push('--html', htmlFile);
  log(`$ elkhound ${reportArgs.slice(1).join(' ')}`);
  const reportEnv: NodeJS.ProcessEnv = { ...process.env };
  if (options.elasticsearchUrl) reportEnv.ELASTICSEARCH_URL = options.elasticsearchUrl;
  else delete reportEnv.ELASTICSEARCH_URL;
  const report = spawn(process.execPath, reportArgs, {
    env: reportEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(report, '', log);
  const reportCode = await exited(report);
  if (reportCode !== 0) return reportCode;
  log('');
  log(`HTML report: ${htmlFile}`);
  return 0;
}

if (require.main === module) {
  const dataDir = resolve(process.env.ELKHOUND_DEMO_DIR ?? '.elkhound-demo');
  const options: DemoOptions = { dataDir, log: (line) => process.stdout.write(`${line}\n`) };
  if (process.env.ELASTICSEARCH_URL) options.elasticsearchUrl = process.env.ELASTICSEARCH_URL;
  runDemo(options).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
