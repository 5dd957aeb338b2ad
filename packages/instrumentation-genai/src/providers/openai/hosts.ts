/**
 * Hosts of OpenAI-compatible providers reached through the `openai` SDK, and whether each accepts
 * `stream_options.include_usage` (a server that rejects unknown parameters would fail the app's
 * call if Elkhound added it; those that always send usage do not need it).
 */
export const COMPATIBLE_HOSTS: Readonly<
  Record<string, { provider: string; streamUsage: boolean }>
> = {
  'api.openai.com': { provider: 'openai', streamUsage: true },
  'api.deepseek.com': { provider: 'deepseek', streamUsage: true },
  'api.groq.com': { provider: 'groq', streamUsage: true },
  'api.x.ai': { provider: 'x_ai', streamUsage: true },
  // Rejects parameters it does not know (422) and reports usage in its last chunk anyway.
  'api.mistral.ai': { provider: 'mistral_ai', streamUsage: false },
  'openrouter.ai': { provider: 'openrouter', streamUsage: true },
  // Reports usage in its last chunk without being asked.
  'api.perplexity.ai': { provider: 'perplexity', streamUsage: false },
};

/** Host → `gen_ai.provider.name` of the built-in map (the public form of COMPATIBLE_HOSTS). */
export const OPENAI_COMPATIBLE_HOSTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(COMPATIBLE_HOSTS).map(([host, entry]) => [host, entry.provider]),
);

function isAzure(host: string): boolean {
  return (
    host.endsWith('.openai.azure.com') ||
    host.endsWith('.cognitiveservices.azure.com') ||
    host.endsWith('.services.ai.azure.com')
  );
}

/**
 * `gen_ai.provider.name` from the base URL: the user's map first (by `host:port`, then host),
 * then the built-in one, then Azure's domains; any other host keeps `openai`.
 */
export function providerFromHost(
  host: string,
  port: number | undefined,
  extraHosts: Readonly<Record<string, string>>,
): string {
  const exact =
    (port !== undefined ? extraHosts[`${host}:${port}`] : undefined) ??
    extraHosts[host] ??
    COMPATIBLE_HOSTS[host]?.provider;
  if (exact) return exact;
  if (isAzure(host)) return 'azure.ai.openai';
  return 'openai';
}

/** The first Azure OpenAI GA API version that accepts `stream_options` (older ones answer 400). */
const AZURE_STREAM_USAGE_SINCE = '2024-10-21';

interface ClientLike {
  baseURL?: unknown;
  apiVersion?: unknown;
  _options?: { defaultQuery?: Record<string, unknown> };
}

/**
 * Whether the server is known to accept `stream_options.include_usage`: OpenAI, the built-in
 * hosts flagged so, and Azure OpenAI from API version 2024-10-21 (an older `api-version`, or
 * one that is not a date, is not sent it). A user's host (ELKHOUND_PROVIDER_HOSTS) is not
 * assumed to.
 */
export function acceptsStreamUsage(
  host: string,
  port: number | undefined,
  extraHosts: Readonly<Record<string, string>>,
  client?: ClientLike,
): boolean {
  if ((port !== undefined && extraHosts[`${host}:${port}`]) || extraHosts[host]) return false;
  const known = COMPATIBLE_HOSTS[host];
  if (known) return known.streamUsage;
  if (!isAzure(host)) return false;
  const version = client?.apiVersion ?? client?._options?.defaultQuery?.['api-version'];
  return (
    typeof version === 'string' &&
    /^\d{4}-\d{2}-\d{2}/.test(version) &&
    version.slice(0, 10) >= AZURE_STREAM_USAGE_SINCE
  );
}

export interface ServerLocation {
  address?: string;
  port?: number;
  provider: string;
  /** The server is known to accept `stream_options.include_usage`. */
  streamUsage: boolean;
}

// Clients are long-lived: their base URL is parsed once, not on every call.
const locations = new WeakMap<
  object,
  { baseURL: string; location: ServerLocation; hosts: object }
>();

/** `server.address`, `server.port` and the provider of a client, from its real base URL. */
export function locate(
  client: { baseURL?: unknown } | undefined,
  extraHosts: Readonly<Record<string, string>>,
): ServerLocation {
  const baseURL =
    typeof client?.baseURL === 'string' ? client.baseURL : 'https://api.openai.com/v1';
  const cached = client ? locations.get(client) : undefined;
  if (cached && cached.baseURL === baseURL && cached.hosts === extraHosts) return cached.location;
  let location: ServerLocation;
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    const host = url.hostname.toLowerCase();
    location = {
      address: host,
      port,
      provider: providerFromHost(host, port, extraHosts),
      streamUsage: acceptsStreamUsage(host, port, extraHosts, client as ClientLike | undefined),
    };
  } catch {
    location = { provider: 'openai', streamUsage: false };
  }
  if (client) locations.set(client, { baseURL, location, hosts: extraHosts });
  return location;
}
