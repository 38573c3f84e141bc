// Accounts in ScyllaDB: one partition per JID (conditional writes give exact true/false), plus
// account_index for `list` in lexical order (schema.ts, account-index.ts).
//
// The index is written before and after the account row and removed after it: an account is
// then always listed, and a crash or a create racing a delete of the same JID can at worst leave
// a listed JID without an account (`get` is the truth; deleting that JID removes the entry).
// A conditional write that times out rejects: the caller retries, and `create` then says false
// if the first attempt had in fact been applied.
import type { AccountStore } from '../types.js';
import { accountIndexBucket, mergeBucketPages } from './account-index.js';
import { wasApplied, type CqlSession } from './cql-session.js';
import { accountFromRow, credentialsToText } from './rows.js';
import { ACCOUNT_INDEX_BUCKETS } from './schema.js';
import type { ScyllaStatements } from './statements.js';

export function createScyllaAccountStore(session: CqlSession, cql: ScyllaStatements): AccountStore {
  const addToIndex = (jid: string) => session.execute(cql.indexAdd, [accountIndexBucket(jid), jid]);

  const readBucket = (bucket: number, after: string, limit: number | undefined) =>
    limit === undefined ? session.readAll(cql.indexAll, [bucket, after]) : session.readAll(cql.indexPage, [bucket, after, limit]);

  return {
    create: async (jid, credentials) => {
      await addToIndex(jid);
      const created = wasApplied(await session.execute(cql.accountCreate, [jid, credentialsToText(credentials), new Date()]));
      if (created) await addToIndex(jid);
      return created;
    },

    get: async (jid) => {
      const [row] = await session.execute(cql.accountGet, [jid]);
      return row ? accountFromRow(jid, row) : undefined;
    },

    setCredentials: async (jid, credentials) =>
      wasApplied(await session.execute(cql.accountSetCredentials, [credentialsToText(credentials), jid])),

    delete: async (jid) => {
      const deleted = wasApplied(await session.execute(cql.accountDelete, [jid]));
      await session.execute(cql.indexRemove, [accountIndexBucket(jid), jid]);
      return deleted;
    },

    list: async ({ after, limit } = {}) => {
      if (limit !== undefined && limit <= 0) return [];
      // Every JID is longer than '', so '' stands for "from the start".
      const buckets = Array.from({ length: ACCOUNT_INDEX_BUCKETS }, (_, bucket) => bucket);
      const pages = await Promise.all(buckets.map((bucket) => readBucket(bucket, after ?? '', limit)));
      return mergeBucketPages(
        pages.map((rows) => rows.map((row) => String(row.jid))),
        limit,
      );
    },
  };
}
