// XEP-0114 components in ScyllaDB: one partition per domain. Conditional writes keep createdAt
// on re-keying and make `delete` exact. There are few components: `list` scans the table.
import type { ComponentStore } from '../types.js';
import { compareUtf8 } from './account-index.js';
import { CasContentionError, MAX_CAS_ATTEMPTS } from './cas-retry.js';
import { wasApplied, type CqlSession } from './cql-session.js';
import { componentFromRow } from './rows.js';
import type { ScyllaStatements } from './statements.js';

export function createScyllaComponentStore(session: CqlSession, cql: ScyllaStatements): ComponentStore {
  return {
    get: async (domain) => {
      const [row] = await session.execute(cql.componentGet, [domain]);
      return row ? componentFromRow(domain, row) : undefined;
    },

    // Add if missing, else re-key if present; a concurrent delete between the two means "again".
    put: async (domain, secret) => {
      for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
        if (wasApplied(await session.execute(cql.componentCreate, [domain, secret, new Date()]))) return;
        if (wasApplied(await session.execute(cql.componentRekey, [secret, domain]))) return;
      }
      throw new CasContentionError(`adding component ${domain}`);
    },

    delete: async (domain) => wasApplied(await session.execute(cql.componentDelete, [domain])),

    list: async () =>
      (await session.readAll(cql.componentList, []))
        .map((row) => componentFromRow(String(row.domain), row))
        .sort((a, b) => compareUtf8(a.domain, b.domain)), // the order LMDB lists them in
  };
}
