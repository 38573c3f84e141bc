// Offline messages (XEP-0160) in ScyllaDB: partition per owner, clustering by seq (delivery
// order), and a static last_seq that every write of the partition checks and sets in ONE
// conditional batch (Paxos on that partition):
// - push reads the message ids (at most `quota` of them) and last_seq, then writes
//   "UPDATE last_seq = new IF last_seq = read" + the message. A concurrent push changes last_seq,
//   so at most one of two racing pushes applies and the loser re-counts: the quota is EXACT
//   under concurrency, across processes too. Removals do not change last_seq; they can only make
//   the count read smaller than the truth, never larger than it, so the quota still holds.
// - remove and clear delete rows in a batch guarded by "IF last_seq = read", so every write of
//   the partition is ordered by Paxos (no plain write racing a conditional one on timestamps).
// - ids come from last_seq, which outlives removals and clears: never reused.
// Pushes of one user from this process are queued first (keyed-queue.ts), so they do not race
// each other; a push whose batch times out is settled by a SERIAL read of its push_id.
import { randomUUID } from 'node:crypto';
import type { OfflineStore } from '../types.js';
import { casPause, CasContentionError, MAX_CAS_ATTEMPTS } from './cas-retry.js';
import { isCasOutcomeUnknown, wasApplied, type CqlSession } from './cql-session.js';
import type { KeyedQueue } from './keyed-queue.js';
import { nextOfflineSeq, offlineIdsToSeqs, offlineMessagesFromRows, seqsFromRows, toBigInt } from './rows.js';
import type { ScyllaStatements } from './statements.js';

/** Rows deleted per conditional batch: keeps batches far below ScyllaDB's batch size limits. */
const DELETES_PER_BATCH = 50;

export function createScyllaOfflineStore(session: CqlSession, cql: ScyllaStatements, queue: KeyedQueue): OfflineStore {
  /** One user's pushes try this until it applies (the quota is re-checked on every attempt). */
  const tryPush = async (owner: string, xml: string, quota: number): Promise<boolean | 'conflict'> => {
    const rows = await session.readAll(cql.offlineState, [owner, quota]);
    if (seqsFromRows(rows).length >= quota) return false;
    const lastSeq = toBigInt(rows[0]?.last_seq);
    const seq = nextOfflineSeq(lastSeq, Date.now());
    const pushId = randomUUID();
    try {
      const applied = wasApplied(
        await session.batch([
          { query: cql.offlineGuard, params: [seq, owner, lastSeq] },
          { query: cql.offlineInsert, params: [owner, seq, xml, new Date(), pushId] },
        ]),
      );
      return applied || 'conflict';
    } catch (error) {
      if (!isCasOutcomeUnknown(error)) throw error;
      const [row] = await session.execute(cql.offlinePushId, [owner, seq], { serial: true });
      return (row && String(row.push_id) === pushId) || 'conflict';
    }
  };

  /** Deletes rows under the last_seq guard; retrying is harmless (deletes are idempotent). */
  const deleteSeqs = async (owner: string, seqs: bigint[]): Promise<void> => {
    for (let start = 0; start < seqs.length; start += DELETES_PER_BATCH) {
      const chunk = seqs.slice(start, start + DELETES_PER_BATCH);
      for (let attempt = 1; ; attempt++) {
        const [state] = await session.execute(cql.offlineState, [owner, 1]);
        const lastSeq = toBigInt(state?.last_seq);
        if (lastSeq === null) return; // nothing was ever stored for this user
        const batch = [
          { query: cql.offlineGuard, params: [lastSeq, owner, lastSeq] },
          ...chunk.map((seq) => ({ query: cql.offlineDelete, params: [owner, seq] })),
        ];
        try {
          if (wasApplied(await session.batch(batch))) break;
        } catch (error) {
          if (!isCasOutcomeUnknown(error)) throw error;
        }
        if (attempt >= MAX_CAS_ATTEMPTS) throw new CasContentionError(`removing offline messages of ${owner}`);
        await casPause(attempt);
      }
    }
  };

  return {
    push: (owner, xml, quota) =>
      queue(owner, async () => {
        if (quota <= 0) return false;
        for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
          const outcome = await tryPush(owner, xml, quota);
          if (outcome !== 'conflict') return outcome;
          await casPause(attempt);
        }
        throw new CasContentionError(`storing an offline message for ${owner}`);
      }),

    list: async (owner, limit) => {
      if (limit !== undefined && limit <= 0) return [];
      const rows =
        limit === undefined
          ? await session.readAll(cql.offlineList, [owner])
          : await session.readAll(cql.offlineListLimit, [owner, limit]);
      return offlineMessagesFromRows(rows);
    },

    // Reads ids only (clustering keys), at most the quota of them.
    count: async (owner) => seqsFromRows(await session.readAll(cql.offlineSeqs, [owner])).length,

    remove: (owner, ids) =>
      queue(owner, async () => {
        const seqs = offlineIdsToSeqs(ids);
        if (seqs.length > 0) await deleteSeqs(owner, seqs);
      }),

    clear: (owner) =>
      queue(owner, async () => {
        await deleteSeqs(owner, seqsFromRows(await session.readAll(cql.offlineSeqs, [owner])));
      }),
  };
}
