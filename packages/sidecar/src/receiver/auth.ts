import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares an `Authorization` header with the configured bearer token in constant time (both
 * sides hashed first, so the lengths match and nothing leaks through timing).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const given = createHash('sha256')
    .update(match[1] as string)
    .digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected);
}
