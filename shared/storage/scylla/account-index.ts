// The paging logic of accounts.list over account_index (why buckets: schema.ts). Pure: the store
// reads each bucket's JIDs after `after` (each already in order) and this merges them.
import { ACCOUNT_INDEX_BUCKETS } from './schema.js';

/** FNV-1a (32 bits) of the JID's UTF-8 bytes: stable across processes and releases. */
export function accountIndexBucket(jid: string, buckets = ACCOUNT_INDEX_BUCKETS): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(jid, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % buckets;
}

/** CQL text order: UTF-8 byte order (JS `<` compares UTF-16 units, which differs beyond the BMP). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The first `limit` JIDs (all without a limit) of the union of the buckets. Correct because each
 * bucket was read with the same `after` and `limit`: the global first `limit` are among them.
 */
export function mergeBucketPages(pages: readonly (readonly string[])[], limit?: number): string[] {
  const merged = pages.flat().sort(compareUtf8);
  return limit === undefined ? merged : merged.slice(0, limit);
}
