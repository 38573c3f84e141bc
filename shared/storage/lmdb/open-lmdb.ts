// Opens the embedded LMDB backend: one environment (one directory) with a named sub-database per
// store, so a single write transaction could span stores and one file holds all the data.
//
// Several processes may open the same directory at once (e.g. `pampero user add` while the server
// runs): LMDB takes a cross-process lock for writes, and lmdb-js renews a process's read snapshot
// on the next event-loop turn and after each of its own commits, so another process's committed
// writes are visible to reads from the next turn on (tested in lmdb-stores.test.ts). Every process
// opens it with the same options (lmdb-env.ts: overlappingSync off, so a process killed mid-commit
// does not break the others' environment), and lmdb's module is rebuilt with the fix for LMDB bug
// ITS#9496 (scripts/lmdb-its9496.mjs): without it an open while another process commits can lose
// that commit.
import { openLmdbEnv } from './lmdb-env.js';
import type { Account, ComponentRecord, Roster, Stores } from '../types.js';
import { createLmdbAccountStore } from './account-store.js';
import { createLmdbArchiveStore } from './archive-store.js';
import { createLmdbAccountDataStore, type AccountDataKey } from './account-data-store.js';
import { createLmdbComponentStore } from './component-store.js';
import { createLmdbOfflineStore, type OfflineKey, type StoredOfflineMessage } from './offline-store.js';
import { createLmdbRosterStore } from './roster-store.js';

/** Sub-database names; other tools (backups, the multi-process test) rely on them. */
export const LMDB_DATABASE_NAMES = {
  accounts: 'accounts',
  rosters: 'rosters',
  offline: 'offline',
  components: 'components',
  accountData: 'account-data',
} as const;

export async function openLmdbStores(dir: string): Promise<Stores> {
  // Default encoding: msgpack values, ordered-binary keys (strings and arrays sort correctly).
  const env = openLmdbEnv(dir); // the options every process sharing the directory uses (lmdb-env.ts)
  const names = LMDB_DATABASE_NAMES;
  let closing: Promise<void> | undefined;
  const archive = createLmdbArchiveStore(env);
  return {
    accounts: createLmdbAccountStore(env.openDB<Account, string>(names.accounts, {})),
    rosters: createLmdbRosterStore(env.openDB<Roster, string>(names.rosters, {})),
    offline: createLmdbOfflineStore(env.openDB<StoredOfflineMessage, OfflineKey>(names.offline, {})),
    components: createLmdbComponentStore(env.openDB<ComponentRecord, string>(names.components, {})),
    archive, // its sub-databases: LMDB_ARCHIVE_DATABASES
    accountData: createLmdbAccountDataStore(env.openDB<string, AccountDataKey>(names.accountData, {})),
    // Waits for pending writes to commit, then closes; calling it twice is harmless.
    // The archive's index entries still waiting are written first (archive-store.ts, INDEX_SPREAD).
    close: () => (closing ??= archive.flush().catch(() => undefined).then(() => env.close())),
  };
}
