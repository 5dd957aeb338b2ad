// Bedrock model ids: `anthropic.claude-3-5-haiku-20241022-v1:0`, cross-region inference profiles
// (`us.`, `eu.`, `apac.`, `global.` prefixes) and ARNs of foundation models or inference profiles.

const REGION_PREFIX = /^(us|eu|apac|global|us-gov|ca|jp|au)\./;

/** The foundation model id inside a model id, inference profile id or ARN. */
export function bedrockModel(modelId: string): string {
  let id = modelId;
  const slash = id.lastIndexOf('/');
  if (id.startsWith('arn:') && slash >= 0) id = id.slice(slash + 1);
  return id.replace(REGION_PREFIX, '');
}

/** The model family, which decides the shape of InvokeModel bodies. */
export function bedrockFamily(
  modelId: string,
): 'anthropic' | 'meta' | 'amazon' | 'mistral' | 'cohere' | 'other' {
  const vendor = bedrockModel(modelId).split('.')[0];
  switch (vendor) {
    case 'anthropic':
    case 'meta':
    case 'amazon':
    case 'mistral':
    case 'cohere':
      return vendor;
    default:
      return 'other';
  }
}
