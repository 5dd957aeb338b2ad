import { context, diag, trace, type Span } from '@opentelemetry/api';
import * as semconv from '../../semconv';

// The AWS SDK resolves a client's endpoint (region, FIPS, dual-stack, a custom `endpoint`)
// asynchronously, after `send` has started the span. A middleware at the `finalizeRequest` step
// sees the HTTP request the SDK is about to sign and send, under the context of `send` — so the
// active span there is the Bedrock span Elkhound started — and writes its host and port.

interface HttpRequestLike {
  hostname?: string;
  port?: number;
  protocol?: string;
}

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: string; name: string; override?: boolean },
  ): void;
}

const MIDDLEWARE_NAME = 'elkhoundServerAddress';
const watched = new WeakSet<object>();

function recordEndpoint(next: (args: unknown) => Promise<unknown>) {
  return (args: unknown): Promise<unknown> => {
    try {
      const request = (args as { request?: HttpRequestLike } | undefined)?.request;
      const span = trace.getSpan(context.active()) as
        (Span & { attributes?: Record<string, unknown> }) | undefined;
      // Only Elkhound's Bedrock span: another instrumentation's span (the AWS SDK's own) may be
      // the active one here, and is left as it is.
      if (
        request?.hostname &&
        span?.isRecording() &&
        span.attributes?.[semconv.ATTR_GEN_AI_PROVIDER_NAME] === 'aws.bedrock'
      ) {
        span.setAttribute(semconv.ATTR_SERVER_ADDRESS, request.hostname);
        span.setAttribute(
          semconv.ATTR_SERVER_PORT,
          request.port ?? (request.protocol === 'http:' ? 80 : 443),
        );
      }
    } catch (error) {
      diag.error('elkhound: could not read the Bedrock endpoint', error);
    }
    return next(args);
  };
}

/** Adds the endpoint middleware to a Bedrock Runtime client, once. */
export function watchEndpoint(client: unknown): void {
  if (client === null || typeof client !== 'object' || watched.has(client)) return;
  watched.add(client);
  try {
    const stack = (client as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
    stack?.add(recordEndpoint, { step: 'finalizeRequest', name: MIDDLEWARE_NAME, override: true });
  } catch (error) {
    diag.error('elkhound: could not watch the Bedrock endpoint', error);
  }
}
