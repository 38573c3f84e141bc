// The message archive (XEP-0313) in ScyllaDB (tables and why: schema.ts). A query reads the
// user's month list, then walks the months in paging order, reading each partition's id range
// newest-first or oldest-first with a LIMIT: the latest 50 is usually one partition read.
// A `with` filter is applied to the rows read (chunks of SCAN_CHUNK, at most MAX_SCANNED rows per
// query; beyond that the page ends early, incomplete). Retention deletes whole expired months
// (range deletes), finding them through archive_months and archive_owners_by_bucket.
import { idRange, matchesWith, pageInMemory, pagesBackward, toPage } from '../archive-filter.js';
import { archiveIdBound, archiveIdFromBigInt, archiveIdTime, archiveIdToBigInt } from '../archive-id.js';
import type { ArchiveEntry, ArchivePrefs, ArchiveStore } from '../types.js';
import type { CqlRow, CqlSession } from './cql-session.js';
import { toBigInt } from './rows.js';
import type { ScyllaStatements } from './statements.js';

const SCAN_CHUNK = 500;
const MAX_SCANNED = 50_000;
/** Writes in flight per append call. */
const WRITE_CONCURRENCY = 64;
/** (owner, month) pairs known to be registered, so a busy user's months are not rewritten each time. */
const KNOWN_BUCKETS = 100_000;

/** Month bucket of a time: year * 12 + month (UTC). */
export function archiveBucket(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

const entryFromRow = (row: CqlRow): ArchiveEntry => ({
  id: archiveIdFromBigInt(toBigInt(row.id)!),
  with: String(row.with_jid),
  xml: String(row.xml),
});

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createScyllaArchiveStore(session: CqlSession, cql: ScyllaStatements): ArchiveStore {
  const known = new Set<string>();

  const bucketsOf = async (owner: string): Promise<number[]> =>
    (await session.readAll(cql.archiveBucketsOf, [owner])).map((row) => Number(row.bucket)).sort((a, b) => a - b);

  const getEntry = async (owner: string, id: string): Promise<ArchiveEntry | undefined> => {
    const [row] = await session.execute(cql.archiveGet, [owner, archiveBucket(archiveIdTime(id)), archiveIdToBigInt(id)]);
    return row ? entryFromRow(row) : undefined;
  };

  /** Rows of one partition between low and high (ids), in the given order, at most `limit`. */
  const readRange = async (owner: string, bucket: number, low: bigint, high: bigint, backward: boolean, limit: number) =>
    (await session.execute(backward ? cql.archivePageDesc : cql.archivePageAsc, [owner, bucket, low, high, limit])).map(entryFromRow);

  return {
    append: async (entries) => {
      const fresh = new Map<string, { owner: string; bucket: number }>();
      for (const e of entries) {
        const bucket = archiveBucket(archiveIdTime(e.id));
        const key = `${bucket} ${e.owner}`;
        if (!known.has(key)) fresh.set(key, { owner: e.owner, bucket });
      }
      // Month lists first: a query that finds a month listed may find it still empty, never the reverse.
      await inParallel([...fresh.values()], WRITE_CONCURRENCY, async ({ owner, bucket }) => {
        await session.execute(cql.archiveMonthAdd, [bucket]);
        await session.execute(cql.archiveOwnerAdd, [bucket, owner]);
        await session.execute(cql.archiveBucketAdd, [owner, bucket]);
      });
      for (const key of fresh.keys()) {
        if (known.size >= KNOWN_BUCKETS) known.clear();
        known.add(key);
      }
      await inParallel(entries, WRITE_CONCURRENCY, (e) =>
        session.execute(cql.archiveInsert, [e.owner, archiveBucket(archiveIdTime(e.id)), archiveIdToBigInt(e.id), e.with, e.xml]),
      );
    },

    query: async (owner, filter, page) => {
      if (filter.ids) {
        const found = await Promise.all(filter.ids.slice(0, 250).map((id) => getEntry(owner, id)));
        return pageInMemory(found.filter((e) => e !== undefined), filter, page);
      }
      const range = idRange(filter, page);
      if (!range) return { entries: [], complete: true };
      const backward = pagesBackward(page);
      const [lowBucket, highBucket] = [archiveBucket(archiveIdTime(range.low)), archiveBucket(archiveIdTime(range.high))];
      const buckets = (await bucketsOf(owner)).filter((b) => b >= lowBucket && b <= highBucket);
      if (backward) buckets.reverse();
      const wanted = page.max + 1;
      const matches: ArchiveEntry[] = [];
      let scanned = 0;
      for (const bucket of buckets) {
        let low = archiveIdToBigInt(range.low);
        let high = archiveIdToBigInt(range.high);
        for (;;) {
          const chunk = filter.with === undefined ? wanted - matches.length : SCAN_CHUNK;
          const rows = await readRange(owner, bucket, low, high, backward, chunk);
          scanned += rows.length;
          for (const row of rows) if (matchesWith(row.with, filter.with) && matches.length < wanted) matches.push(row);
          if (matches.length >= wanted || rows.length < chunk) break;
          if (scanned >= MAX_SCANNED) return { entries: toPage(matches, page).entries, complete: false };
          const edge = archiveIdToBigInt(rows[rows.length - 1].id);
          if (backward) high = edge - 1n;
          else low = edge + 1n;
        }
        if (matches.length >= wanted) break;
      }
      return toPage(matches, page);
    },

    missing: async (owner, ids) => {
      const present = await Promise.all(ids.map((id) => getEntry(owner, id)));
      return ids.filter((_, i) => present[i] === undefined);
    },

    bounds: async (owner) => {
      const buckets = await bucketsOf(owner);
      const edge = async (order: number[], backward: boolean): Promise<string | undefined> => {
        for (const bucket of order) {
          const [row] = await readRange(owner, bucket, 0n, archiveIdToBigInt('7fffffffffffffff'), backward, 1);
          if (row) return row.id;
        }
        return undefined;
      };
      const first = await edge(buckets, false);
      const last = await edge([...buckets].reverse(), true);
      return first !== undefined && last !== undefined ? { first, last } : undefined;
    },

    removeBefore: async (time, limit) => {
      const cutoff = archiveIdToBigInt(archiveIdBound(time, 'first'));
      const cutoffBucket = archiveBucket(time);
      let removed = 0;
      for (const row of await session.readAll(cql.archiveMonthsUpTo, [cutoffBucket])) {
        const bucket = Number(row.bucket);
        let after = '';
        let ownersLeft = false;
        for (;;) {
          const owners = (await session.execute(cql.archiveOwnersOf, [bucket, after, SCAN_CHUNK])).map((r) => String(r.owner));
          for (const owner of owners) {
            if (removed >= limit) return removed;
            const ids = (await session.execute(cql.archiveExpiredIds, [owner, bucket, cutoff, limit - removed])).map((r) => toBigInt(r.id)!);
            if (ids.length > 0) await session.execute(cql.archiveDeleteUpTo, [owner, bucket, ids[ids.length - 1]]);
            removed += ids.length;
            const emptied = bucket < cutoffBucket && (await session.execute(cql.archivePageAsc, [owner, bucket, 0n, archiveIdToBigInt('7fffffffffffffff'), 1])).length === 0;
            if (emptied) {
              await session.execute(cql.archiveBucketRemove, [owner, bucket]);
              await session.execute(cql.archiveOwnerRemove, [bucket, owner]);
              known.delete(`${bucket} ${owner}`);
            } else ownersLeft = true;
          }
          if (owners.length < SCAN_CHUNK) break;
          after = owners[owners.length - 1];
        }
        if (!ownersLeft && bucket < cutoffBucket) await session.execute(cql.archiveMonthRemove, [bucket]);
      }
      return removed;
    },

    getPrefs: async (owner) => {
      const [row] = await session.execute(cql.archivePrefsGet, [owner]);
      return row ? (JSON.parse(String(row.prefs)) as ArchivePrefs) : undefined;
    },
    setPrefs: async (owner, prefs) => {
      await session.execute(cql.archivePrefsPut, [owner, JSON.stringify({ default: prefs.default, always: prefs.always, never: prefs.never })]);
    },

    clear: async (owner) => {
      for (const bucket of await bucketsOf(owner)) {
        await session.execute(cql.archiveDeletePartition, [owner, bucket]);
        await session.execute(cql.archiveBucketRemove, [owner, bucket]);
        await session.execute(cql.archiveOwnerRemove, [bucket, owner]);
        known.delete(`${bucket} ${owner}`);
      }
      await session.execute(cql.archivePrefsDelete, [owner]);
    },
  };
}

