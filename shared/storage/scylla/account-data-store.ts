// Per-account documents in ScyllaDB: one partition per user, one clustering row per key, so a
// get is a single-row read, `keys` a slice of one partition and deleteAll one partition delete.
// Writes are plain (last write wins): a document is always replaced whole.
import type { AccountDataStore } from '../types.js';
import type { CqlSession } from './cql-session.js';
import type { ScyllaStatements } from './statements.js';

/** Above every string a key can hold (U+10FFFF sorts after all other code points in UTF-8). */
const AFTER_ALL = '\u{10FFFF}';

export function createScyllaAccountDataStore(session: CqlSession, cql: ScyllaStatements): AccountDataStore {
  return {
    get: async (owner, key) => {
      const [row] = await session.execute(cql.accountDataGet, [owner, key]);
      return row ? String(row.value) : undefined;
    },

    put: async (owner, key, value) => {
      await session.execute(cql.accountDataPut, [owner, key, value]);
    },

    delete: async (owner, key) => {
      await session.execute(cql.accountDataDelete, [owner, key]);
    },

    keys: async (owner, prefix = '', limit) => {
      const rows =
        limit === undefined
          ? await session.readAll(cql.accountDataKeys, [owner, prefix, prefix + AFTER_ALL])
          : await session.execute(cql.accountDataKeysLimit, [owner, prefix, prefix + AFTER_ALL, limit]);
      return rows.map((row) => String(row.doc_key));
    },

    deleteAll: async (owner) => {
      await session.execute(cql.accountDataDeleteAll, [owner]);
    },
  };
}
