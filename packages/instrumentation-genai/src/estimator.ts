// Hands estimates to a worker thread (./estimate-worker) so that the application's event loop
// never encodes text nor loads an encoding: the main thread posts the texts and gets counts back.
// The worker starts on the first estimate and is unref'd (it never keeps the process alive). Each
// estimate is answered within a bound (estimateTimeoutMs, counted once the worker has loaded its
// encodings), else — and whenever the worker fails or cannot start — with the chars / 4 fallback
// computed here. Pending estimates settle with the fallback before the process's telemetry is
// flushed (settlePendingEstimates: the cost span processor's flush and shutdown, beforeExit).
import { diag } from '@opentelemetry/api';
import type { Usage } from '@elkhound/pricing';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { approximateUsage, type PromptTexts } from './estimate';

export interface EstimateRequest {
  id: number;
  model: string | undefined;
  prompt: PromptTexts;
  outputs: readonly string[] | undefined;
}
export type EstimateReply =
  | { ready: true; id?: undefined }
  | { id: number; usage?: Usage; error?: undefined }
  | { id: number; error: string; usage?: undefined };

/** How an estimate was made: counted by the tokenizer, or the chars / 4 fallback. */
export type EstimateMethod = 'tokenizer' | 'fallback';
export type EstimateCallback = (usage: Usage | undefined, method: EstimateMethod) => void;

/** Time the worker gets to load its encodings (once) before estimates fall back. */
export const LOAD_BOUND_MS = 5_000;

interface Pending {
  request: EstimateRequest;
  done: EstimateCallback;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** The worker script next to this file (.js when built, .ts under tsx in the tests). */
export const WORKER_SCRIPT = join(__dirname, `estimate-worker${extname(__filename)}`);

function typeScriptLoader(): string[] {
  const kept: string[] = [];
  const given = process.execArgv;
  for (let index = 0; index < given.length; index++) {
    const argument = given[index] as string;
    if (/^--import=.*tsx/.test(argument)) kept.push(argument);
    else if (argument === '--import' && given[index + 1]?.includes('tsx'))
      kept.push(argument, given[++index] as string);
  }
  return kept;
}

export class EstimateWorker {
  private worker: Worker | undefined;
  private ready = false;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly settledWaiters: Array<() => void> = [];

  constructor(private readonly script = WORKER_SCRIPT) {}

  /** Number of estimates waiting for the worker. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Counts `prompt` and `outputs` in the worker; `done` is called exactly once, asynchronously
   * with the worker's counts, or with the fallback (synchronously when the worker has failed).
   */
  estimate(
    model: string | undefined,
    prompt: PromptTexts,
    outputs: readonly string[] | undefined,
    timeoutMs: number,
    done: EstimateCallback,
  ): void {
    const request: EstimateRequest = { id: this.nextId++, model, prompt, outputs };
    // While the process is exiting (beforeExit), nothing would wait for the worker's answer.
    const worker = exiting ? undefined : this.start();
    if (!worker) {
      done(approximateUsage(prompt, outputs), 'fallback');
      return;
    }
    const pending: Pending = { request, done, timeoutMs, timer: undefined };
    this.pending.set(request.id, pending);
    try {
      worker.postMessage(request);
    } catch (error) {
      // A text that cannot be cloned (none should: they are strings) is counted here.
      diag.error('elkhound: could not hand an estimate to its worker', error);
      this.settle(request.id, undefined);
      return;
    }
    this.arm(pending, this.ready ? timeoutMs : LOAD_BOUND_MS + timeoutMs);
  }

  /** Settles every pending estimate now, with the fallback. */
  settleAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
  }

  /** Resolves once no estimate is pending (for tests and benchmarks). */
  whenSettled(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Stops the worker (pending estimates fall back); a later estimate starts a new one. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    this.settleAll();
    if (worker) await worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.failed) return undefined;
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(this.script, {
        // The application's --require / --import (auto-register, an APM agent) must not run
        // again there: only a TypeScript loader is kept, for the .ts script of the tests.
        execArgv: this.script.endsWith('.ts') ? typeScriptLoader() : [],
        env: {},
      });
      worker.on('message', (reply: EstimateReply) => this.receive(reply));
      worker.on('error', (error) => this.fail(worker, error));
      worker.on('exit', (code) =>
        this.fail(worker, new Error(`the estimate worker exited (${code})`)),
      );
      // After the listeners: a 'message' listener refs the worker's port again.
      worker.unref();
      this.worker = worker;
      return worker;
    } catch (error) {
      this.failed = true;
      diag.error(
        'elkhound: the estimate worker cannot start; estimates fall back to chars / 4',
        error,
      );
      return undefined;
    }
  }

  private receive(reply: EstimateReply): void {
    if (reply.id === undefined) {
      this.ready = true;
      // Estimates posted during the load get their own bound from now on.
      for (const pending of this.pending.values()) this.arm(pending, pending.timeoutMs);
      return;
    }
    if (reply.error !== undefined)
      diag.error('elkhound: the estimate worker could not count a call', reply.error);
    this.settle(
      reply.id,
      reply.error === undefined ? reply.usage : undefined,
      reply.error === undefined,
    );
  }

  private arm(pending: Pending, ms: number): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.settle(pending.request.id, undefined), ms);
    pending.timer.unref();
  }

  /** A failed worker is not restarted: later estimates use the fallback. */
  private fail(worker: Worker, error: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    diag.error('elkhound: the estimate worker failed; estimates fall back to chars / 4', error);
    this.settleAll();
  }

  private settle(id: number, usage: Usage | undefined, counted = false): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    const { prompt, outputs } = pending.request;
    try {
      if (counted) pending.done(usage, 'tokenizer');
      else pending.done(approximateUsage(prompt, outputs), 'fallback');
    } catch (error) {
      diag.error('elkhound: could not end a span after its estimate', error);
    }
    if (this.pending.size === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}

/** The process's estimate worker. */
let shared = new EstimateWorker();
let exitHooked = false;
/**
 * Set from beforeExit until the event loop turns again: an estimate asked for then (by code that
 * ran on beforeExit) gets the fallback at once, as no handle keeps the process alive for it.
 */
let exiting = false;

function onBeforeExit(): void {
  exiting = true;
  setImmediate(() => (exiting = false)).unref();
  settlePendingEstimates();
}

export function estimateWorker(): EstimateWorker {
  if (!exitHooked) {
    exitHooked = true;
    // Before any flush-on-exit listener (auto-register's): a span still waiting for its count
    // ends with the fallback, in time to be exported.
    process.prependListener('beforeExit', onBeforeExit);
  }
  return shared;
}

/** Ends every span waiting for its estimate now, with the fallback (before a flush or an exit). */
export function settlePendingEstimates(): void {
  shared.settleAll();
}

/** Resolves once no span waits for an estimate. */
export function estimatesSettled(): Promise<void> {
  return shared.whenSettled();
}

/** Replaces the process's estimate worker (tests: a failing or silent one); returns the old one. */
export function useEstimateWorker(worker: EstimateWorker): EstimateWorker {
  const previous = shared;
  shared = worker;
  return previous;
}
