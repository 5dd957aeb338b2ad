import assert from 'node:assert/strict';
import { logs as logsApi, metrics as metricsApi } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { resolveConfig } from '../src/config';
import { GenAIMetrics } from '../src/metrics';
import { GenAICall, type RecorderDependencies } from '../src/span-recorder';
import { observeIterator } from '../src/stream';

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
}).getTracer('stream-test');

function dependencies(streamIdleTimeoutMs: number): RecorderDependencies {
  const { settings } = resolveConfig({ streamIdleTimeoutMs }, {});
  return {
    tracer: () => tracer,
    logger: () => logsApi.getLogger('stream-test'),
    metrics: () => new GenAIMetrics(metricsApi.getMeter('stream-test')),
    settings: () => settings,
    pricing: () => undefined,
  };
}

function newCall(streamIdleTimeoutMs = 0): GenAICall {
  return new GenAICall(dependencies(streamIdleTimeoutMs), {
    operation: 'chat',
    provider: 'openai',
    model: 'gpt-4o-mini',
    stream: true,
    attributes: {},
  });
}

async function* chunks(count: number, failAt?: number): AsyncGenerator<number> {
  for (let index = 0; index < count; index++) {
    if (index === failAt) throw new Error('mid-stream failure');
    yield index;
  }
}

describe('stream accounting', () => {
  beforeEach(() => exporter.reset());

  it('reports completion, early return and a mid-stream error exactly once each', async () => {
    const outcomes: string[] = [];
    const observer = {
      chunk: () => outcomes.push('chunk'),
      done: () => outcomes.push('done'),
      error: (error: unknown) => outcomes.push(`error:${(error as Error).message}`),
    };
    for await (const value of observeIterator(chunks(2), observer)) void value;
    assert.deepEqual(outcomes, ['chunk', 'chunk', 'done']);

    outcomes.length = 0;
    const early = observeIterator(chunks(5), observer);
    for await (const value of early) if (value === 1) break;
    await early.return?.();
    assert.deepEqual(outcomes, ['chunk', 'chunk', 'done']);

    outcomes.length = 0;
    await assert.rejects(async () => {
      for await (const value of observeIterator(chunks(5, 1), observer)) void value;
    }, /mid-stream failure/);
    assert.deepEqual(outcomes, ['chunk', 'error:mid-stream failure']);
  });

  it('never throws an observer failure into the loop of the app', async () => {
    const observer = {
      chunk: () => {
        throw new Error('observer bug');
      },
      done: () => {
        throw new Error('observer bug');
      },
      error: () => undefined,
    };
    const seen: number[] = [];
    for await (const value of observeIterator(chunks(3), observer)) seen.push(value);
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it('ends the span of a stream object that is garbage-collected', async function () {
    const gc = global.gc;
    assert.ok(gc, 'mocha runs with --expose-gc (.mocharc.json)');
    const call = newCall(0);
    (() => {
      // The stream object is referenced from nowhere else once this function returns.
      call.watchIdle({ iterator: () => chunks(1) });
    })();
    for (let attempt = 0; attempt < 100 && !call.isEnded; attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(call.isEnded, true);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.attributes['elkhound.stream.abandoned'], true);
  });

  it('ends an idle stream after the timeout, and a span only once', async () => {
    const call = newCall(20);
    call.watchIdle({});
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(call.isEnded, true);
    call.end({});
    call.fail(new Error('late'));
    assert.equal(exporter.getFinishedSpans().length, 1);
  });

  it('watches many calls with one timer: each ends at its own idle timeout, a waiting or used one later', async function () {
    this.timeout(5000);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Margins of 100 ms around every deadline: timers run late on a loaded machine.
    const short = newCall(200);
    const long = newCall(700);
    const waiting = newCall(200);
    const used = newCall(200);
    const finished = newCall(200);
    for (const call of [short, long, waiting, used, finished]) call.watchIdle({});
    // The app waits for a chunk: a stream it waits on is not idle.
    waiting.reading(true);
    finished.end({});
    await sleep(80);
    used.chunk();
    await sleep(80);
    used.chunk();
    await sleep(100);
    assert.equal(short.isEnded, true, 'idle for its 200 ms');
    assert.equal(used.isEnded, false, 'a chunk came 100 ms ago');
    assert.equal(waiting.isEnded, false, 'the app is waiting on it');
    assert.equal(long.isEnded, false, 'its 700 ms have not passed');
    await sleep(200);
    assert.equal(used.isEnded, true, 'idle for 300 ms');
    assert.equal(waiting.isEnded, false);
    assert.equal(long.isEnded, false);
    waiting.reading(false);
    await sleep(450);
    assert.equal(waiting.isEnded, true);
    assert.equal(long.isEnded, true);
    const abandoned = exporter
      .getFinishedSpans()
      .filter((span) => span.attributes['elkhound.stream.abandoned'] === true);
    assert.equal(abandoned.length, 4, 'the call that ended by itself is not abandoned');
  });
});
