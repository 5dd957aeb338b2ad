/**
 * `gen_ai.provider.name` → provider id of the @pydantic/genai-prices data. One table, so a new
 * provider is one line.
 */
export const PRICE_DATA_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  'aws.bedrock': 'aws',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  mistral_ai: 'mistral',
  cohere: 'cohere',
  deepseek: 'deepseek',
  groq: 'groq',
  x_ai: 'x-ai',
  openrouter: 'openrouter',
  perplexity: 'perplexity',
};

export function priceDataProvider(provider: string): string {
  return PRICE_DATA_PROVIDERS[provider] ?? provider;
}
