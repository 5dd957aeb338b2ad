// How one `create` of the openai SDK becomes one GenAICall, for every operation: the SDK's own
// APIPromise is returned (not a copy), and its own Stream (with only its iterator wrapped).
import { context, diag } from '@opentelemetry/api';
import type { ResolvedConfig } from '../../config';
import { GenAICall, type GenAIRequest, type GenAIResponse } from '../../span-recorder';
import { observeIterator } from '../../stream';
import type { AnyMethod, PatchContext } from '../provider';

export type Body = Record<string, unknown>;

/** Accumulates what a stream says, chunk by chunk, without keeping the chunks. */
export interface StreamAccumulator {
  add(chunk: unknown): void;
  result(): GenAIResponse;
  /** An error the stream reported as an event rather than by throwing (Responses API). */
  failure?(): unknown;
}

/** What one operation of the SDK (chat completions, responses, embeddings) knows. */
export interface OpenAIOperation {
  describe(
    body: Body,
    client: { baseURL?: unknown } | undefined,
    settings: ResolvedConfig,
  ): GenAIRequest;
  read(result: unknown, settings: ResolvedConfig): GenAIResponse;
  accumulator?(settings: ResolvedConfig): StreamAccumulator;
}

interface Resource {
  _client?: { baseURL?: unknown };
}

/** The parts of the SDK's APIPromise used here (v4 through v7 share them). */
interface APIPromiseLike {
  responsePromise?: Promise<unknown>;
  parseResponse?: (...args: unknown[]) => unknown;
  parsedPromise?: unknown;
  asResponse?: () => Promise<unknown>;
  _thenUnwrap?: (
    transform: (data: unknown, ...rest: unknown[]) => unknown,
    ...rest: unknown[]
  ) => unknown;
  then?: unknown;
}

interface StreamLike {
  iterator?: (...args: unknown[]) => AsyncIterator<unknown>;
  controller?: { signal?: { aborted?: boolean; reason?: unknown } };
}

/** Wraps a `create` method: one span per model call. */
export function wrapCreate(operation: OpenAIOperation) {
  return (original: AnyMethod, patch: PatchContext): AnyMethod =>
    function elkhoundCreate(this: unknown, ...args: unknown[]) {
      const body = args[0];
      if (!patch.enabled() || typeof body !== 'object' || body === null)
        return original.apply(this, args);
      let call: GenAICall;
      let settings: ResolvedConfig;
      try {
        settings = patch.dependencies.settings();
        call = new GenAICall(
          patch.dependencies,
          operation.describe(body as Body, (this as Resource)._client, settings),
        );
      } catch (error) {
        diag.error('elkhound: could not start a GenAI span', error);
        return original.apply(this, args);
      }
      // A throw from the SDK itself (invalid arguments) goes to the app as it is.
      let result: APIPromiseLike;
      try {
        result = context.with(call.context(), () => original.apply(this, args)) as APIPromiseLike;
      } catch (error) {
        call.fail(error);
        throw error;
      }
      try {
        observe(result, call, operation, settings, (body as Body).stream === true);
      } catch (error) {
        diag.error('elkhound: could not observe a GenAI call', error);
        call.end({});
      }
      return result;
    };
}

/**
 * Observes the SDK's APIPromise in place: its `parseResponse` (which `then`, `withResponse()`
 * and the SDK's own `_thenUnwrap` derivations all go through) is wrapped on this one object, so
 * the body is parsed only when the app asks for it, exactly as without Elkhound. Failures of the
 * request are seen on the raw response promise, which never consumes the body.
 */
function observe(
  result: APIPromiseLike,
  call: GenAICall,
  operation: OpenAIOperation,
  settings: ResolvedConfig,
  stream: boolean,
): void {
  if (result === null || typeof result !== 'object') {
    call.end({});
    return;
  }
  // The value reaches Elkhound once, whichever way the SDK or its helpers parse it.
  let delivered = false;
  const onValue = (value: unknown) => {
    if (delivered) return value;
    delivered = true;
    try {
      if (stream) observeStream(value as StreamLike, call, operation, settings);
      else call.end(operation.read(value, settings));
    } catch (error) {
      diag.error('elkhound: could not read a GenAI response', error);
      call.end({});
    }
    return value;
  };
  const parse = result.parseResponse;
  if (typeof parse !== 'function' || !(result.responsePromise instanceof Promise)) {
    // Not an APIPromise (a future SDK): observe without changing what the app gets.
    if (typeof result.then === 'function')
      (result as Promise<unknown>).then(onValue, (error: unknown) => call.fail(error));
    else call.end({});
    return;
  }
  result.responsePromise.then(
    // A response nobody parses (a dropped promise) still ends its span, after the idle timeout.
    () => call.watchIdle(),
    (error: unknown) => call.fail(error),
  );
  result.parseResponse = function elkhoundParseResponse(this: unknown, ...args: unknown[]) {
    let parsed: unknown;
    try {
      parsed = parse.apply(this, args);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    if (parsed instanceof Promise)
      return parsed.then(onValue, (error: unknown) => {
        call.fail(error);
        throw error;
      });
    return onValue(parsed);
  };
  // openai v7 gives each APIPromise its own `_thenUnwrap`, which parses without going through
  // `parseResponse`: the SDK's helpers (responses.stream(), parse()) derive their promises with
  // it, so the derived value is observed there too.
  const thenUnwrap = result._thenUnwrap;
  if (typeof thenUnwrap === 'function') {
    result._thenUnwrap = function elkhoundThenUnwrap(this: unknown, transform, ...rest) {
      return thenUnwrap.call(
        this,
        function (this: unknown, data: unknown, ...more: unknown[]) {
          return transform.call(this, onValue(data), ...more);
        },
        ...rest,
      );
    };
  }
  const asResponse = result.asResponse;
  if (typeof asResponse === 'function') {
    // The app takes the raw Response (and reads the body itself): the span ends when it arrives,
    // unless the body is also being parsed (withResponse() parses first, then asks for it).
    result.asResponse = function elkhoundAsResponse(this: APIPromiseLike) {
      const response = asResponse.call(this);
      if (this.parsedPromise === undefined)
        response.then(
          () => {
            if (this.parsedPromise === undefined) call.end({});
          },
          () => undefined,
        );
      return response;
    };
  }
}

function observeStream(
  stream: StreamLike,
  call: GenAICall,
  operation: OpenAIOperation,
  settings: ResolvedConfig,
): void {
  const original = stream?.iterator;
  if (typeof original !== 'function' || !operation.accumulator) {
    call.end({});
    return;
  }
  const accumulator = operation.accumulator(settings);
  call.partial = () => accumulator.result();
  call.watchIdle(stream);
  // The SDK's Stream reads its events through `this.iterator()` — for `for await`, `tee()` and
  // `toReadableStream()` alike — so wrapping that one function observes every consumer.
  stream.iterator = function elkhoundIterator(this: unknown, ...args: unknown[]) {
    return observeIterator(original.apply(this, args), {
      chunk(chunk) {
        call.chunk();
        accumulator.add(chunk);
      },
      reading(waiting) {
        call.reading(waiting);
      },
      done() {
        const signal = stream.controller?.signal;
        // The SDK ends the iteration quietly when the request is aborted: it was cancelled.
        if (signal?.aborted) {
          call.fail(abortError(signal.reason), accumulator.result());
          return;
        }
        const failure = accumulator.failure?.();
        if (failure !== undefined) call.fail(failure, accumulator.result());
        else call.end(accumulator.result());
      },
      error(error) {
        call.fail(error, accumulator.result());
      },
    });
  };
}

function abortError(reason: unknown): unknown {
  if (reason instanceof Error) return reason;
  const error = new Error('The request was aborted');
  error.name = 'AbortError';
  return error;
}
