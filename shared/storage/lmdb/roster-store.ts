// Rosters in LMDB: ONE key per user holding the whole roster (msgpack), so reading a roster is
// one point lookup whatever the number of users or items (ARCHITECTURE.md "Storage").
import type { Database } from 'lmdb';
import type { Roster, RosterStore } from '../types.js';

/** Entries per write transaction in putMany: big enough to amortise commits, small enough to
 * keep the single LMDB write lock (shared with other processes) for only a moment. */
const ROSTERS_PER_IMPORT_TRANSACTION = 2000;

const emptyRoster = (): Roster => ({ version: 0, items: [], pendingIn: [] });

export function createLmdbRosterStore(db: Database<Roster, string>): RosterStore {
  return {
    get: async (owner) => db.get(owner) ?? emptyRoster(),

    update: async (owner, change) => {
      let thrown: { error: unknown } | undefined;
      // The callback runs inside LMDB's write transaction, which serialises it against every other
      // writer (this process's other updates and other processes): read-modify-write is atomic.
      const stored = await db.transaction(() => {
        const current = db.get(owner) ?? emptyRoster(); // a fresh decode: the caller's copy
        let next: Roster | undefined;
        try {
          next = change(current);
        } catch (error) {
          // lmdb-js commits what a throwing callback wrote; we write nothing before this point.
          thrown = { error };
        }
        if (thrown || !next) return db.get(owner) ?? emptyRoster(); // untouched by `change`
        const saved: Roster = { ...next, version: current.version + 1 };
        db.put(owner, saved);
        return saved;
      });
      if (thrown) throw thrown.error;
      return stored;
    },

    putMany: async (entries) => {
      for (let start = 0; start < entries.length; start += ROSTERS_PER_IMPORT_TRANSACTION) {
        const chunk = entries.slice(start, start + ROSTERS_PER_IMPORT_TRANSACTION);
        await db.transaction(() => {
          for (const { owner, roster } of chunk) {
            db.put(owner, { ...roster, version: roster.version > 0 ? roster.version : 1 });
          }
        });
      }
    },

    delete: async (owner) => {
      await db.remove(owner);
    },
  };
}
