// Health snapshots in the account-data store (LMDB on one machine, or ScyllaDB), owner
// `pampero:health-snapshots`. Keys are `HOUR|MS|NODE` (HOUR = YYYYMMDDHH, UTC; MS zero-padded):
// a search reads the hours it needs newest first, filtering nodes by key alone; snapshots older
// than the retention are deleted oldest first (the store's key order), at most once a minute.
import type { AccountDataStore } from '../storage/types.js';
import { DEFAULT_SNAPSHOT_LIMIT, type HealthSnapshot, type HealthSnapshotFilter, type HealthSnapshotStore } from './health-snapshot.js';

const OWNER = 'pampero:health-snapshots';
const HOUR_MS = 3_600_000;
/** Keys a search looks through, at most (a bound on one query's reads). */
const SCAN_LIMIT = 20_000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 500;
const PRUNE_ROUNDS = 20;

export interface EmbeddedHealthSnapshotOptions {
  /** Snapshots older than this are deleted. */
  retentionHours: number;
}

const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');
const keyOf = (s: HealthSnapshot) => {
  const ms = Date.parse(s.at);
  return `${hourOf(ms)}|${String(ms).padStart(13, '0')}|${s.node}`;
};
function parseKey(key: string): { ms: number; node: string } {
  const [, ms, ...node] = key.split('|');
  return { ms: Number(ms), node: node.join('|') };
}

export function embeddedHealthSnapshotStore(data: AccountDataStore, opts: EmbeddedHealthSnapshotOptions): HealthSnapshotStore {
  const retentionMs = opts.retentionHours * HOUR_MS;
  let lastPrune = 0;
  let pruning: Promise<void> | undefined;

  async function prune(now: number): Promise<void> {
    const cutoff = now - retentionMs;
    for (let round = 0; round < PRUNE_ROUNDS; round++) {
      const oldest = await data.keys(OWNER, '', PRUNE_BATCH);
      const expired = oldest.filter((key) => parseKey(key).ms < cutoff);
      for (const key of expired) await data.delete(OWNER, key);
      if (expired.length < PRUNE_BATCH) return;
    }
  }

  return {
    async record(snapshot) {
      await data.put(OWNER, keyOf(snapshot), JSON.stringify(snapshot));
      const now = Date.now();
      if (!pruning && now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        pruning = prune(now).finally(() => (pruning = undefined));
        await pruning;
      }
    },
    async search(filter: HealthSnapshotFilter) {
      const limit = filter.limit ?? DEFAULT_SNAPSHOT_LIMIT;
      const now = Date.now();
      const sinceMs = Math.max(filter.since?.getTime() ?? 0, now - retentionMs);
      const found: HealthSnapshot[] = [];
      let scanned = 0;
      // Hour by hour, newest first (one hour ahead of this clock, for a neighbour's slightly fast one).
      for (let hour = Math.floor(now / HOUR_MS) + 1; hour >= Math.floor(sinceMs / HOUR_MS); hour--) {
        const keys = await data.keys(OWNER, `${hourOf(hour * HOUR_MS)}|`, SCAN_LIMIT - scanned);
        scanned += keys.length;
        for (const key of keys.reverse()) {
          const { ms, node } = parseKey(key);
          if (ms < sinceMs) break;
          if (filter.node && node !== filter.node) continue;
          const text = await data.get(OWNER, key);
          if (text) found.push(JSON.parse(text) as HealthSnapshot);
          if (found.length >= limit) return found;
        }
        if (scanned >= SCAN_LIMIT) break;
      }
      return found;
    },
    flush: async () => {
      await pruning;
    },
    close: async () => {
      await pruning;
    },
  };
}
