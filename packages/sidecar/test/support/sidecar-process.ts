import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elasticsearchClient } from '@elkhound/test-support';

const BIN = join(__dirname, '..', '..', 'bin', 'elkhound.js');

export interface SidecarProcess extends ElkhoundProcess {
  httpPort: number;
  grpcPort: number;
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `elkhound-${prefix}-`));
}

export function uniqueNamespace(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A running `elkhound` command: its process, output and the fields of its "listening" line. */
export interface ElkhoundProcess {
  child: ChildProcess;
  dataDirectory: string;
  /** Every stdout line so far (ECS JSON). */
  lines: string[];
  /** The fields of the command's `elkhound <command> listening` log line (its ports). */
  listening: Record<string, unknown>;
  url(path: string): string;
  /** Sends the signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

/**
 * Starts `elkhound <command>` as a real child process with HTTP on a free port; resolves once it
 * logs `elkhound <command> listening`.
 */
export function spawnElkhound(
  command: 'sidecar' | 'consume',
  env: Record<string, string | undefined>,
  dataDirectory: string,
  bin = BIN,
): Promise<ElkhoundProcess> {
  // SIDECAR_EXEC_ARGV: Node flags for the child, for diagnosis (`--cpu-prof --cpu-prof-dir=…`:
  // Node refuses those in NODE_OPTIONS).
  const nodeFlags = (process.env.SIDECAR_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, bin, command], {
    env: {
      PATH: process.env.PATH,
      ELKHOUND_DATA_DIR: dataDirectory,
      ELKHOUND_HTTP_PORT: '0',
      ELKHOUND_SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const what = `elkhound ${command}`;
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close' rather than 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('close', (code, signal) => resolve(signal ?? code)),
  );
  return new Promise<ElkhoundProcess>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within 20 s\n${lines.join('\n')}\n${stderr}`));
    }, 20_000);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}\n${lines.join('\n')}\n${stderr}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (line.includes(`"${what} listening"`)) {
          clearTimeout(timer);
          child.off('exit', onEarlyExit);
          const listening = JSON.parse(line) as Record<string, unknown>;
          resolve({
            child,
            dataDirectory,
            lines,
            listening,
            url: (path) => `http://127.0.0.1:${listening['elkhound.http.port'] as number}${path}`,
            stop: (signal = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
  });
}

/** Starts `elkhound sidecar` as a real child process on free ports; resolves once it listens. */
export async function spawnSidecar(
  env: Record<string, string | undefined>,
  dataDirectory = temporaryDirectory('sidecar'),
  /** Another build's `bin/elkhound.js` (the benches compare a baseline build with this one). */
  bin?: string,
): Promise<SidecarProcess> {
  const started = await spawnElkhound(
    'sidecar',
    { ELKHOUND_GRPC_PORT: '0', ...env },
    dataDirectory,
    bin,
  );
  return {
    ...started,
    httpPort: started.listening['elkhound.http.port'] as number,
    grpcPort: started.listening['elkhound.grpc.port'] as number,
  };
}

/** Reads a metric value from the sidecar's /metrics. */
export async function metricValue(sidecar: SidecarProcess, name: string): Promise<number> {
  const text = await (await fetch(sidecar.url('/metrics'))).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

/** Waits until the sidecar's queue is empty (every document acknowledged). */
export async function waitForDrain(
  sidecar: SidecarProcess,
  timeoutMs = 60_000,
  pollMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await metricValue(sidecar, 'elkhound_queue_documents')) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`the queue did not drain within ${timeoutMs} ms`);
}

/** `_id`s present in the data streams matching `pattern` (after a refresh). */
export async function documentIds(pattern: string): Promise<string[]> {
  const client = elasticsearchClient();
  try {
    await client.indices.refresh({
      index: pattern,
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const ids: string[] = [];
    let response = await client.search({
      index: pattern,
      size: 5000,
      scroll: '30s',
      _source: false,
      query: { match_all: {} },
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    while (response.hits.hits.length > 0) {
      for (const hit of response.hits.hits) ids.push(hit._id as string);
      if (!response._scroll_id) break;
      response = await client.scroll({ scroll_id: response._scroll_id, scroll: '30s' });
    }
    if (response._scroll_id)
      await client.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
    return ids;
  } finally {
    await client.close();
  }
}
