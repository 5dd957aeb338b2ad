// Which service an `@anthropic-ai/sdk` client talks to: Anthropic's API, or Claude on AWS Bedrock
// (`AnthropicBedrock` of @anthropic-ai/bedrock-sdk) or on Google Vertex AI (`AnthropicVertex` of
// @anthropic-ai/vertex-sdk), which extend the same client and reuse its `messages` resource.

export interface AnthropicLocation {
  provider: string;
  address?: string;
  port?: number;
}

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** `gen_ai.provider.name` of a client, from its class (and its host, for a custom base URL). */
export function anthropicProvider(className: string | undefined, host: string): string {
  if (className === 'AnthropicBedrock' || /^bedrock-runtime[.-]/.test(host)) return 'aws.bedrock';
  if (className === 'AnthropicVertex' || host.endsWith('aiplatform.googleapis.com'))
    return 'gcp.vertex_ai';
  return 'anthropic';
}

// Clients are long-lived: each is located once.
const located = new WeakMap<object, { baseURL: unknown; location: AnthropicLocation }>();

export function locateAnthropic(client: { baseURL?: unknown } | undefined): AnthropicLocation {
  const cached = client ? located.get(client) : undefined;
  if (cached && cached.baseURL === client?.baseURL) return cached.location;
  const baseURL = typeof client?.baseURL === 'string' ? client.baseURL : DEFAULT_BASE_URL;
  const className = (client as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  let location: AnthropicLocation;
  try {
    const url = new URL(baseURL);
    const host = url.hostname.toLowerCase();
    location = {
      provider: anthropicProvider(className, host),
      address: host,
      port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
    };
  } catch {
    location = { provider: anthropicProvider(className, '') };
  }
  if (client) located.set(client, { baseURL: client.baseURL, location });
  return location;
}
