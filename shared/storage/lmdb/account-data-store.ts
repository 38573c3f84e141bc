// Per-account documents (vCard, private XML, blocklist, last logout) in LMDB. Key [owner, key]:
// LMDB keeps keys sorted, so one user's documents are one contiguous range (keys and deleteAll
// are range operations, never a scan of other users).
import type { Database } from 'lmdb';
import type { AccountDataStore } from '../types.js';

export type AccountDataKey = [owner: string, key: string];

/** Above every string a key can hold (U+10FFFF sorts after all other code points in UTF-8). */
const AFTER_ALL = '\u{10FFFF}';

function rangeOf(owner: string, prefix = ''): { start: AccountDataKey; end: AccountDataKey } {
  return { start: [owner, prefix], end: [owner, prefix + AFTER_ALL] };
}

export function createLmdbAccountDataStore(db: Database<string, AccountDataKey>): AccountDataStore {
  return {
    get: async (owner, key) => db.get([owner, key]),

    put: async (owner, key, value) => {
      await db.put([owner, key], value);
    },

    delete: async (owner, key) => {
      await db.remove([owner, key]);
    },

    keys: async (owner, prefix = '', limit) => [...db.getKeys({ ...rangeOf(owner, prefix), limit })].map((key) => key[1]),

    deleteAll: async (owner) => {
      await db.transaction(() => {
        // Collect first: removing under an open cursor of the same transaction is not safe.
        const keys = [...db.getKeys(rangeOf(owner))];
        for (const key of keys) db.remove(key);
      });
    },
  };
}
