// Which partition a keyed record goes to. The Collector's kafka exporter (franz-go, and Sarama
// before it) hashes keys with FNV-1a by default ("sarama_compat"); Java clients use murmur2. The
// same hash as the producers beside Elkhound keeps one trace in one partition whoever wrote it.
// Both return a non-negative number; the client takes it modulo the topic's partition count.

export type PartitionerName = 'sarama_compat' | 'murmur2';

/** Sarama's HashPartitioner: |int32(fnv1a32(key))| (mod n, taken by the client). */
export function saramaCompatible(key: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key[index] as number;
    hash = Math.imul(hash, 0x01000193);
  }
  return Math.abs(hash | 0);
}

/** Kafka's Java default partitioner: toPositive(murmur2(key)). */
export function murmur2(key: Uint8Array): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const length = key.length;
  let h = seed ^ length;
  const whole = length >>> 2;
  for (let index = 0; index < whole; index++) {
    const at = index * 4;
    let k =
      ((key[at] as number) & 0xff) |
      (((key[at + 1] as number) & 0xff) << 8) |
      (((key[at + 2] as number) & 0xff) << 16) |
      (((key[at + 3] as number) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = whole * 4;
  const rest = length & 3;
  if (rest === 3) h ^= ((key[tail + 2] as number) & 0xff) << 16;
  if (rest >= 2) h ^= ((key[tail + 1] as number) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (key[tail] as number) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h & 0x7fffffff;
}

/**
 * A partitioner for the Kafka client: keyed records by the chosen hash, records without a key
 * spread round-robin (one counter per producer).
 */
export function partitionerFor(name: PartitionerName): (key: Uint8Array | undefined) => number {
  const hash = name === 'murmur2' ? murmur2 : saramaCompatible;
  let next = 0;
  return (key) => {
    if (key !== undefined && key.length > 0) return hash(key);
    next = (next + 1) & 0x7fffffff;
    return next;
  };
}
