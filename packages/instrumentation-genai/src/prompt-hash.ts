import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * Prompt hashes, as docs/prompt-hash.md specifies them so anyone can recompute one outside Node:
 * the canonical JSON of the value — object keys sorted by UTF-16 code units, no insignificant
 * whitespace, strings NFC-normalised, `undefined` members left out — hashed with SHA-256
 * (`sha256:<hex>`), or HMAC-SHA256 with the key (`hmac-sha256:<hex>`).
 */
export class PromptHasher {
  constructor(private readonly key?: string) {}

  hash(value: unknown): string {
    const digest: Hash | Hmac = this.key ? createHmac('sha256', this.key) : createHash('sha256');
    digest.update(canonicalJson(value));
    return `${this.key ? 'hmac-sha256' : 'sha256'}:${digest.digest('hex')}`;
  }
}

export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.normalize('NFC'));
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && !Number.isFinite(value)
      ? 'null'
      : (JSON.stringify(value) ?? 'null');
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .map((key) => [key.normalize('NFC'), key] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map(([normalised, key]) => `${JSON.stringify(normalised)}:${canonicalJson(record[key])}`).join(',')}}`;
}
