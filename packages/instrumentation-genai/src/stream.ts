import { diag } from '@opentelemetry/api';

export interface StreamObserver<Chunk> {
  /** Returns `true` for a chunk the app must not see (one Elkhound asked the provider for). */
  chunk(chunk: Chunk): unknown;
  done(): void;
  error(error: unknown): void;
  /** The app waits for a chunk (true) or got it (false): a waiting stream is not idle. */
  reading?(waiting: boolean): void;
}

/**
 * Wraps an SDK stream's async iterator without replacing the stream: every way the app leaves
 * the loop — completion, `break` (return), an error mid-stream, an abort — reaches the observer
 * exactly once. Observer failures are logged, never thrown into the app's loop.
 */
export function observeIterator<Chunk>(
  iterator: AsyncIterator<Chunk>,
  observer: StreamObserver<Chunk>,
): AsyncIterator<Chunk> & AsyncIterable<Chunk> {
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    try {
      if (error === undefined) observer.done();
      else observer.error(error);
    } catch (failure) {
      diag.error('elkhound: stream observer failed', failure);
    }
  };
  // Made once per stream, not per chunk: `next` chains them on the SDK's promise (one promise
  // per chunk, where an async function would add its own).
  const onResult = (
    result: IteratorResult<Chunk>,
  ): IteratorResult<Chunk> | Promise<IteratorResult<Chunk>> => {
    observer.reading?.(false);
    if (result.done) finish();
    else {
      let hidden: unknown = false;
      try {
        hidden = observer.chunk(result.value);
      } catch (failure) {
        diag.error('elkhound: stream chunk observer failed', failure);
      }
      // The app reads on past a hidden chunk, as if the provider had never sent it.
      if (hidden === true) return wrapped.next();
    }
    return result;
  };
  const onError = (error: unknown): never => {
    observer.reading?.(false);
    finish(error);
    throw error;
  };
  const wrapped: AsyncIterator<Chunk> & AsyncIterable<Chunk> = {
    // No rest parameter: it would allocate an array at every chunk.
    next(value?: undefined) {
      observer.reading?.(true);
      let pending: Promise<IteratorResult<Chunk>>;
      try {
        pending = Promise.resolve(arguments.length === 0 ? iterator.next() : iterator.next(value));
      } catch (error) {
        // Thrown rather than rejected: the same ending as a rejection.
        pending = Promise.reject(error);
      }
      return pending.then(onResult, onError);
    },
    async return(value?: unknown) {
      finish();
      return iterator.return
        ? iterator.return(value)
        : { done: true as const, value: value as Chunk };
    },
    async throw(error?: unknown) {
      finish(error);
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return wrapped;
}
