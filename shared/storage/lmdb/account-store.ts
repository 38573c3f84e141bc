// Accounts in LMDB: one key per bare JID, the Account record as value (msgpack).
import type { Database } from 'lmdb';
import type { Account, AccountCredentials, AccountStore } from '../types.js';

export function createLmdbAccountStore(db: Database<Account, string>): AccountStore {
  return {
    // A transaction, not get-then-put: the CLI and a running server may create the same account.
    create: (jid, credentials) =>
      db.transaction(() => {
        if (db.doesExist(jid)) return false;
        db.put(jid, { jid, credentials, createdAt: Date.now() });
        return true;
      }),

    get: async (jid) => db.get(jid),

    setCredentials: (jid: string, credentials: AccountCredentials) =>
      db.transaction(() => {
        const account = db.get(jid);
        if (!account) return false;
        db.put(jid, { ...account, credentials });
        return true;
      }),

    // `remove` alone resolves true even for a missing key, hence the existence check.
    delete: (jid) =>
      db.transaction(() => {
        if (!db.doesExist(jid)) return false;
        db.remove(jid);
        return true;
      }),

    list: async ({ after, limit } = {}) => {
      // Keys are plain strings, so LMDB's byte order is lexical (UTF-8 code point) order.
      const range = after === undefined ? { limit } : { start: after, exclusiveStart: true, limit };
      return db.getKeys(range).asArray;
    },
  };
}
