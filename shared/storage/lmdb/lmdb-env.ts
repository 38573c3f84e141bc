// How every embedded LMDB environment is opened (<dataDir>/lmdb, muc-archive, pubsub), so that
// all the processes sharing one — the nodes of a fleet on one data directory, `pampero user add`
// beside a running server — and every open of one inside a process use the same options.
//
// overlappingSync is off. lmdb-js turns it on by default on Linux: a commit releases LMDB's write
// lock and then flushes under a second cross-process lock (the "sync" mutex). A process that
// dies while flushing (kill -9 of a node, a crash, an exit in the middle of a commit) leaves that
// lock to the next process, and LMDB recovers it with the write lock's owner-died code: it resets
// the environment's last transaction id while another process may be inside its own write
// transaction (page and freelist bookkeeping go wrong: `MDB_BAD_TXN … mdb_page_touch`), or, when
// the process taking it over is itself committing, marks its environment as fatally broken
// (`MDB_PANIC` on every later commit). With the archive on, commits are frequent and large, so a
// killed node was often in one. Without overlappingSync a commit syncs inside the write lock,
// whose owner-died recovery is sound, and a write resolves once it is durable.
// Reproduced and checked by lmdb-shared-env.test.ts; docs/cluster.md ("The archive in a fleet").
import { open, type RootDatabase } from 'lmdb';

export const LMDB_ENV_OPTIONS = {
  overlappingSync: false,
  // lmdb-js allows 12 named databases by default; the stores use more. The same for every open:
  // a second open of an environment in one process gets the first one's.
  maxDbs: 32,
} as const;

export function openLmdbEnv(dir: string): RootDatabase {
  return open(dir, { ...LMDB_ENV_OPTIONS });
}
