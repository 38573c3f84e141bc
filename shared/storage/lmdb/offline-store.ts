// Offline messages (XEP-0160) in LMDB. Key [owner, seq]: LMDB keeps keys sorted, so one user's
// messages are one contiguous range in delivery order; count and list are range reads.
import type { Database } from 'lmdb';
import type { OfflineStore } from '../types.js';

export type OfflineKey = [owner: string, seq: number];
export interface StoredOfflineMessage {
  xml: string;
  storedAt: number;
}

const LAST_SEQ = Number.MAX_SAFE_INTEGER;

/** All of one user's keys (seqs are ≥ 1). */
function rangeOf(owner: string): { start: OfflineKey; end: OfflineKey; inclusiveEnd: true } {
  return { start: [owner, 0], end: [owner, LAST_SEQ], inclusiveEnd: true };
}

/**
 * The next sequence number: above the user's last one, and at least the current time in µs, so
 * that ids are not reused after the user's messages were all removed (a late acknowledgement of
 * an old id must not delete a new message). Date.now() * 1000 stays a safe integer until 2255.
 */
function nextSeq(lastSeq: number | undefined): number {
  return Math.max((lastSeq ?? 0) + 1, Date.now() * 1000);
}

export function createLmdbOfflineStore(db: Database<StoredOfflineMessage, OfflineKey>): OfflineStore {
  const lastSeqOf = (owner: string): number | undefined => {
    const { start, end } = rangeOf(owner);
    for (const key of db.getKeys({ start: end, end: start, reverse: true, limit: 1 })) return key[1];
    return undefined;
  };

  return {
    // Quota check and append in one write transaction: concurrent pushes cannot overshoot it.
    push: (owner, xml, quota) =>
      db.transaction(() => {
        if (db.getKeysCount(rangeOf(owner)) >= quota) return false;
        db.put([owner, nextSeq(lastSeqOf(owner))], { xml, storedAt: Date.now() });
        return true;
      }),

    // Asked at every login (initial presence), and nearly always empty: a key count (no values
    // decoded, as push does) answers that case for a fraction of a range read.
    list: async (owner, limit) => {
      if (db.getKeysCount(rangeOf(owner)) === 0) return []; // (getKeysCount writes into the options it is given: a fresh range each)
      return db
        .getRange({ ...rangeOf(owner), limit })
        .map(({ key, value }) => ({ id: String(key[1]), xml: value.xml, storedAt: value.storedAt })).asArray;
    },

    // Counts keys only: no value is read or decoded.
    count: async (owner) => db.getKeysCount(rangeOf(owner)),

    remove: async (owner, ids) => {
      const seqs = ids.map(Number).filter(Number.isSafeInteger); // ids not made by push are ignored
      await db.transaction(() => {
        for (const seq of seqs) db.remove([owner, seq]);
      });
    },

    clear: async (owner) => {
      await db.transaction(() => {
        // Collect first: removing under an open cursor of the same transaction is not safe.
        const keys = [...db.getKeys(rangeOf(owner))];
        for (const key of keys) db.remove(key);
      });
    },
  };
}
