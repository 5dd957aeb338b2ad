import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log';
import { retryInfoAny, rpcStatus } from '../protobuf-writer';
import { BUDGET_FULL_MESSAGE, type InFlightBudget } from './budget';
import { inflateWithinBudget } from './inflate';

/** RetryInfo in the status details: how OTLP/gRPC tells a client when to come back. */
export function retryMetadata(code: grpc.status, message: string, seconds: number): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', rpcStatus(code, message, [retryInfoAny(seconds * 1000)]));
  return metadata;
}

/**
 * The one grpc-js internal this relies on (grpc-js 1.14): the call object an interceptor is
 * given first is grpc-js's own, whose `decompressMessage(framed, encoding)` turns a received
 * length-prefixed message into its bytes. grpc-js inflates the whole message there before any
 * interceptor or handler sees it, bounded by the receive limit per message but not by anything
 * shared, so concurrent gzip bombs each held up to the limit.
 */
interface DecompressingCall {
  decompressMessage?: (framed: Buffer, encoding: string) => Buffer | Promise<Buffer>;
}

export interface GrpcBudgetOptions {
  budget: InFlightBudget;
  maxDecompressedBytes: number;
  logger: Logger;
  /** A call the interceptor refused itself (for the request counters). */
  refused: (path: string, code: grpc.status) => void;
}

/**
 * Charges every gRPC message to the in-flight budget shared with OTLP/HTTP, from its arrival to
 * its answer: its bytes as received and, for gzip or deflate messages, its inflated bytes as
 * they are produced (inflate.ts, the same code as HTTP bodies). Inflation is taken over from
 * grpc-js by replacing that call's `decompressMessage`; if a grpc-js version lacks it, messages
 * are charged once inflated (grpc-js's own bound per message) and a warning says so.
 */
export function budgetInterceptor(options: GrpcBudgetOptions): grpc.ServerInterceptor {
  let warned = false;
  const busy = (): grpc.StatusObject => ({
    code: grpc.status.UNAVAILABLE,
    details: BUDGET_FULL_MESSAGE,
    metadata: retryMetadata(grpc.status.UNAVAILABLE, BUDGET_FULL_MESSAGE, 1),
  });
  return (method, next) => {
    const reservation = options.budget.reservation();
    // Whether the message was charged as it was received and inflated.
    let charged = false;
    const refuse = (status: grpc.StatusObject): grpc.StatusObject => {
      reservation.release();
      options.refused(method.path, status.code);
      return status;
    };
    const inner = next as unknown as DecompressingCall;
    if (typeof inner.decompressMessage === 'function') {
      inner.decompressMessage = async (framed, encoding) => {
        const message = framed.subarray(5);
        if (!reservation.grow(message.length)) throw refuse(busy());
        if (encoding === 'identity') {
          charged = true;
          return message;
        }
        if (encoding !== 'gzip' && encoding !== 'deflate') {
          throw refuse({
            code: grpc.status.UNIMPLEMENTED,
            details: `message compression "${encoding}" is not supported; expected gzip, deflate or none`,
            metadata: new grpc.Metadata(),
          });
        }
        const limit = options.maxDecompressedBytes;
        const inflated = await inflateWithinBudget(message, encoding, limit, reservation);
        switch (inflated.kind) {
          case 'inflated':
            charged = true;
            return inflated.body;
          case 'too-large':
            throw refuse({
              code: grpc.status.RESOURCE_EXHAUSTED,
              details: `message is over the limit of ${limit} bytes once decompressed`,
              metadata: new grpc.Metadata(),
            });
          case 'busy':
            throw refuse(busy());
          case 'corrupt':
            throw refuse({
              code: grpc.status.INVALID_ARGUMENT,
              details: `message is ${inflated.message}`,
              metadata: new grpc.Metadata(),
            });
        }
      };
    } else if (!warned) {
      warned = true;
      options.logger.warn(
        'this grpc-js inflates gRPC messages itself: they are charged to the in-flight budget only once inflated',
      );
    }
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(next, {
      start: (startNext) => {
        const listener = new grpc.ServerListenerBuilder()
          .withOnReceiveMessage((message: Buffer, messageNext) => {
            if (!charged && !reservation.grow(message.length))
              return call.sendStatus(refuse(busy()));
            messageNext(message);
          })
          .withOnCancel(() => reservation.release())
          .build();
        startNext(listener);
      },
      sendStatus: (status, statusNext) => {
        reservation.release();
        statusNext(status);
      },
    });
    return call;
  };
}
