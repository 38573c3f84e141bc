// XEP-0114 components in LMDB: one key per component domain.
import type { Database } from 'lmdb';
import type { ComponentRecord, ComponentStore } from '../types.js';

export function createLmdbComponentStore(db: Database<ComponentRecord, string>): ComponentStore {
  return {
    get: async (domain) => db.get(domain),

    // Re-keying keeps the original creation time.
    put: async (domain, secret) => {
      await db.transaction(() => {
        const createdAt = db.get(domain)?.createdAt ?? Date.now();
        db.put(domain, { domain, secret, createdAt });
      });
    },

    // See account-store.ts: `remove` alone cannot tell whether the key existed.
    delete: (domain) =>
      db.transaction(() => {
        if (!db.doesExist(domain)) return false;
        db.remove(domain);
        return true;
      }),

    list: async () => db.getRange().map(({ value }) => value).asArray,
  };
}
