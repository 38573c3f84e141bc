// The message archive's statements for the simulated session (simulated-session.ts): the archive
// tables as sorted maps, with the clustering orders and range reads/deletes the store relies on.
import { compareUtf8 } from './account-index.js';
import type { CqlRow } from './cql-session.js';

export interface SimulatedArchive {
  /** "owner bucket" → id → row */
  messages: Map<string, Map<bigint, { with: string; xml: string }>>;
  buckets: Map<string, Set<number>>;
  owners: Map<number, Set<string>>;
  months: Set<number>;
  prefs: Map<string, string>;
}

export const simulatedArchive = (): SimulatedArchive => ({ messages: new Map(), buckets: new Map(), owners: new Map(), months: new Set(), prefs: new Map() });

type Typed = <T>(value: unknown, type: 'text' | 'bigint' | 'int') => T;

/** Rows for an archive statement; undefined when the statement is not the archive's. */
export function runArchiveStatement(db: SimulatedArchive, name: string, p: readonly unknown[], typed: Typed): CqlRow[] | undefined {
  const text = (i: number) => typed<string>(p[i], 'text');
  const int = (i: number) => typed<number>(p[i], 'int');
  const big = (i: number) => typed<bigint>(p[i], 'bigint');
  const partition = (owner: string, bucket: number) => db.messages.get(`${owner} ${bucket}`);
  const ids = (owner: string, bucket: number) => [...(partition(owner, bucket)?.keys() ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const row = (owner: string, bucket: number, id: bigint) => {
    const r = partition(owner, bucket)!.get(id)!;
    return { id, with_jid: r.with, xml: r.xml };
  };
  switch (name) {
    case 'archiveInsert': {
      const key = `${text(0)} ${int(1)}`;
      const part = db.messages.get(key) ?? new Map();
      part.set(big(2), { with: text(3), xml: text(4) });
      db.messages.set(key, part);
      return [];
    }
    case 'archivePageAsc':
    case 'archivePageDesc': {
      const [owner, bucket, low, high, limit] = [text(0), int(1), big(2), big(3), int(4)];
      const inRange = ids(owner, bucket).filter((id) => id >= low && id <= high);
      if (name === 'archivePageDesc') inRange.reverse();
      return inRange.slice(0, limit).map((id) => row(owner, bucket, id));
    }
    case 'archiveGet': {
      const part = partition(text(0), int(1));
      return part?.has(big(2)) ? [row(text(0), int(1), big(2))] : [];
    }
    case 'archiveExpiredIds':
      return ids(text(0), int(1)).filter((id) => id < big(2)).slice(0, int(3)).map((id) => ({ id }));
    case 'archiveDeleteUpTo': {
      const part = partition(text(0), int(1));
      for (const id of [...(part?.keys() ?? [])]) if (id <= big(2)) part!.delete(id);
      return [];
    }
    case 'archiveDeletePartition':
      db.messages.delete(`${text(0)} ${int(1)}`);
      return [];
    case 'archiveBucketAdd':
      db.buckets.set(text(0), (db.buckets.get(text(0)) ?? new Set()).add(int(1)));
      return [];
    case 'archiveBucketsOf':
      return [...(db.buckets.get(text(0)) ?? [])].sort((a, b) => b - a).map((bucket) => ({ bucket }));
    case 'archiveBucketRemove':
      db.buckets.get(text(0))?.delete(int(1));
      return [];
    case 'archiveOwnerAdd':
      db.owners.set(int(0), (db.owners.get(int(0)) ?? new Set()).add(text(1)));
      return [];
    case 'archiveOwnersOf':
      return [...(db.owners.get(int(0)) ?? [])].filter((o) => compareUtf8(o, text(1)) > 0).sort(compareUtf8).slice(0, int(2)).map((owner) => ({ owner }));
    case 'archiveOwnerRemove':
      db.owners.get(int(0))?.delete(text(1));
      return [];
    case 'archiveMonthAdd':
      db.months.add(int(0));
      return [];
    case 'archiveMonthsUpTo':
      return [...db.months].filter((b) => b <= int(0)).sort((a, b) => a - b).map((bucket) => ({ bucket }));
    case 'archiveMonthRemove':
      db.months.delete(int(0));
      return [];
    case 'archivePrefsGet':
      return db.prefs.has(text(0)) ? [{ prefs: db.prefs.get(text(0)) }] : [];
    case 'archivePrefsPut':
      db.prefs.set(text(0), text(1));
      return [];
    case 'archivePrefsDelete':
      db.prefs.delete(text(0));
      return [];
    default:
      return undefined;
  }
}
