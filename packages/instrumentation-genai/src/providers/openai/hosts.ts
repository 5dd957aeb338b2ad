/** Hosts of OpenAI-compatible providers reached through the `openai` SDK. */
export const OPENAI_COMPATIBLE_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.deepseek.com': 'deepseek',
  'api.groq.com': 'groq',
  'api.x.ai': 'x_ai',
  'api.mistral.ai': 'mistral_ai',
  'openrouter.ai': 'openrouter',
  'api.perplexity.ai': 'perplexity',
};

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
    OPENAI_COMPATIBLE_HOSTS[host];
  if (exact) return exact;
  if (
    host.endsWith('.openai.azure.com') ||
    host.endsWith('.cognitiveservices.azure.com') ||
    host.endsWith('.services.ai.azure.com')
  )
    return 'azure.ai.openai';
  return 'openai';
}

export interface ServerLocation {
  address?: string;
  port?: number;
  provider: string;
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
    location = { address: host, port, provider: providerFromHost(host, port, extraHosts) };
  } catch {
    location = { provider: 'openai' };
  }
  if (client) locations.set(client, { baseURL, location, hosts: extraHosts });
  return location;
}
