// `server.address` / `server.port` of an SDK client, from its base URL, and the request skeleton
// every provider file starts from. Clients are long-lived: each client is located once.
import type { Attributes } from '@opentelemetry/api';
import type { GenAIRequest } from '../span-recorder';

export interface ServerLocation {
  address?: string;
  port?: number;
}

const located = new WeakMap<object, { baseURL: string; location: ServerLocation }>();

/** The host and port of `baseURL` (the port the scheme implies when none is written). */
export function serverOf(client: object | undefined, baseURL: string): ServerLocation {
  const cached = client ? located.get(client) : undefined;
  if (cached && cached.baseURL === baseURL) return cached.location;
  let location: ServerLocation = {};
  try {
    const url = new URL(baseURL);
    location = {
      address: url.hostname.toLowerCase(),
      port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
    };
  } catch {
    // Not a URL (a base URL given as a function, say): no server attributes.
  }
  if (client) located.set(client, { baseURL, location });
  return location;
}

/** A request with its operation, provider, model (from the body) and server. */
export function requestOf(
  operation: string,
  provider: string,
  body: Record<string, unknown>,
  where: ServerLocation,
  stream: boolean,
  attributes: Attributes,
): GenAIRequest {
  const request: GenAIRequest = { operation, provider, stream, attributes };
  if (typeof body.model === 'string') request.model = body.model;
  if (where.address) request.serverAddress = where.address;
  if (where.port !== undefined) request.serverPort = where.port;
  return request;
}
