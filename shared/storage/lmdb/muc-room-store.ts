// Persistent MUC rooms in LMDB: one key per room (its bare JID) holding configuration,
// affiliations and subject (msgpack), so loading a room is one point lookup.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from 'lmdb';
import { openLmdbEnv } from './lmdb-env.js';
import type { ArchiveStore, MucRoomRecord, MucRoomStore } from '../types.js';
import { createLmdbArchiveStore } from './archive-store.js';

/** The sub-database name, next to those of open-lmdb.ts. */
export const LMDB_MUC_ROOMS_DATABASE = 'mucRooms';

export function createLmdbMucRoomStore(db: Database<MucRoomRecord, string>): MucRoomStore {
  return {
    get: async (room) => db.get(room),
    put: async (record) => {
      await db.put(record.jid, record);
    },
    // See account-store.ts: `remove` alone cannot tell whether the key existed.
    delete: (room) =>
      db.transaction(() => {
        if (!db.doesExist(room)) return false;
        db.remove(room);
        return true;
      }),
    list: async (opts = {}) => {
      const limit = opts.limit ?? 1000;
      const keys: string[] = [];
      for (const key of db.getKeys({ start: opts.after ?? undefined })) {
        if (opts.after !== undefined && key === opts.after) continue;
        keys.push(key);
        if (keys.length >= limit) break;
      }
      return keys;
    },
  };
}

/**
 * Opens the MUC room store on its own in `<dataDir>/lmdb` (the same environment openStores uses),
 * until the lead wires `mucRooms` into `Stores`. Close it with the returned `close`.
 */
export async function openLmdbMucRoomStore(dataDir: string): Promise<MucRoomStore & { close(): Promise<void> }> {
  const dir = join(dataDir, 'lmdb');
  await mkdir(dir, { recursive: true });
  const env = openLmdbEnv(dir);
  const store = createLmdbMucRoomStore(env.openDB<MucRoomRecord, string>(LMDB_MUC_ROOMS_DATABASE, {}));
  let closing: Promise<void> | undefined;
  return { ...store, close: () => (closing ??= env.close()) };
}

/**
 * The MUC rooms' message archive (components/muc/room-archive.ts): an ArchiveStore whose owners
 * are room JIDs, in its own environment `<dataDir>/muc-archive` (not mixed with the users'
 * archives, nor purged by their retention).
 */
export async function openLmdbMucArchiveStore(dataDir: string): Promise<{ store: ArchiveStore; close(): Promise<void> }> {
  const dir = join(dataDir, 'muc-archive');
  await mkdir(dir, { recursive: true });
  const env = openLmdbEnv(dir);
  // Every entry indexed with its batch (indexSpread 1): a room moved after its instance was killed keeps what was said just before.
  const store = createLmdbArchiveStore(env, { indexSpread: 1 });
  let closing: Promise<void> | undefined;
  return { store, close: () => (closing ??= store.flush().catch(() => undefined).then(() => env.close())) };
}
