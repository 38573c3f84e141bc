// Rosters in ScyllaDB: ONE row per user (schema.ts says why), read with one single-partition
// query. `update` is optimistic: read, apply `change`, write back only IF version is still the
// one read (INSERT … IF NOT EXISTS for a first roster); a lost race reads again and re-runs
// `change` — which is why it must be quick and pure. Updates of one user from this process are
// queued first (keyed-queue.ts), so they never race each other; other processes are what the
// condition is for. A compare-and-set that times out is settled by a SERIAL read of recent_writes.
import { randomUUID } from 'node:crypto';
import type { Roster, RosterStore } from '../types.js';
import { casPause, CasContentionError, MAX_CAS_ATTEMPTS } from './cas-retry.js';
import { isCasOutcomeUnknown, wasApplied, type CqlSession } from './cql-session.js';
import type { KeyedQueue } from './keyed-queue.js';
import { recentWritesAfter, rosterToText, storedRosterFromRow, type StoredRoster } from './rows.js';
import type { ScyllaStatements } from './statements.js';

/** Rows written at once by putMany: keeps a bulk import from flooding the cluster. */
const IMPORT_CONCURRENCY = 32;

export function createScyllaRosterStore(session: CqlSession, cql: ScyllaStatements, queue: KeyedQueue): RosterStore {
  const read = async (owner: string, serial = false): Promise<StoredRoster> =>
    storedRosterFromRow(owner, (await session.execute(cql.rosterGet, [owner], { serial }))[0]);

  /** Writes `next` if the row is still at `current.version`; resolves whether it did. */
  const compareAndSet = async (owner: string, current: StoredRoster, next: Roster): Promise<boolean> => {
    const writeId = randomUUID();
    const [version, body, recent] = [BigInt(next.version), rosterToText(next), recentWritesAfter(current, writeId)];
    try {
      const rows =
        current.version === null
          ? await session.execute(cql.rosterCreate, [owner, version, body, recent])
          : await session.execute(cql.rosterReplace, [version, body, recent, owner, current.version]);
      return wasApplied(rows);
    } catch (error) {
      if (!isCasOutcomeUnknown(error)) throw error;
      // The SERIAL read completes any accepted proposal first, so this answer is final.
      return (await read(owner, true)).recentWrites.includes(writeId);
    }
  };

  return {
    get: async (owner) => (await read(owner)).roster,

    update: (owner, change) =>
      queue(owner, async () => {
        for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
          const current = await read(owner);
          const next = change(structuredClone(current.roster)); // a throw rejects; nothing written
          if (!next) return current.roster; // untouched by whatever `change` did to its copy
          const saved: Roster = { ...next, version: current.roster.version + 1 };
          if (await compareAndSet(owner, current, saved)) return saved;
          await casPause(attempt);
        }
        throw new CasContentionError(`updating the roster of ${owner}`);
      }),

    // Plain writes, not conditional: an import is a bulk load, run while those users are not
    // being served (a plain write racing a conditional one is ordered only by timestamps).
    putMany: async (entries) => {
      let next = 0;
      const worker = async () => {
        while (next < entries.length) {
          const { owner, roster } = entries[next++];
          const saved = { ...roster, version: roster.version > 0 ? roster.version : 1 };
          await session.execute(cql.rosterImport, [owner, BigInt(saved.version), rosterToText(saved), [randomUUID()]]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, entries.length) }, worker));
    },

    // Conditional like the other writes of the row, so it is ordered by Paxos with them;
    // deleting is idempotent, so a timed-out attempt is simply made again.
    delete: (owner) =>
      queue(owner, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await session.execute(cql.rosterDelete, [owner]);
            return;
          } catch (error) {
            if (!isCasOutcomeUnknown(error) || attempt >= MAX_CAS_ATTEMPTS) throw error;
          }
        }
      }),
  };
}
