// How every embedded LMDB environment is opened (<dataDir>/lmdb, muc-archive, pubsub), so that
// all the processes sharing one — the nodes of a fleet on one data directory, `pampero user add`
// beside a running server — and every open of one inside a process use the same options.
//
// overlappingSync is off. lmdb-js turns it on by default on Linux: a commit releases LMDB's write
// lock and then flushes under a second cross-process lock (the "sync" mutex), whose owner-died
// recovery runs the write lock's (it resets the shared last transaction id). Without it a commit
// syncs inside the write lock and a write resolves once it is durable.
//
// The other hazard is not an option: a process that OPENS an environment while another process
// commits can make that commit vanish and corrupt the free list. lmdb-js 3.5.6 (the latest
// release) vendors a fork of LMDB that still has upstream LMDB bug ITS#9496 (fixed upstream in
// 2021): mdb_env_open2 ends with `if (env->me_txns) env->me_txns->mti_txnid = meta.mm_txnid;`, an
// unlocked store of the meta txnid this opener read at the start of its open (upstream: `if (prev
// && env->me_txns)`). A commit landing in between moves the shared txnid back; the next writer
// then starts from the older meta, reuses the committed txn's id and overwrites its meta and pages
// ("Invalid null txn id" in mdb_page_alloc, MDB_BAD_TXN, MDB_PROBLEM). Each restart of a fleet
// node is an open. scripts/lmdb-its9496.mjs (npm postinstall, test set-up, container build)
// rebuilds lmdb's module with upstream's fix; lmdb-its9496.test.ts checks that it is the one
// loaded; docs/cluster.md ("The archive in a fleet") has the measurements.
import { open, type RootDatabase } from 'lmdb';

export const LMDB_ENV_OPTIONS = {
  overlappingSync: false,
  // lmdb-js allows 12 named databases by default; the stores use more. The same for every open:
  // a second open of an environment in one process gets the first one's.
  maxDbs: 32,
} as const;

/**
 * `randomAccess`: reads of this environment land anywhere in a file that may outgrow the memory
 * the process is given (the PubSub store: 1,000,000 items are 640 MB). LMDB's MDB_NORDAHEAD
 * (madvise MADV_RANDOM on the map) stops the kernel from reading 128 KB around every page fault:
 * in a 200 MB memory cgroup that read-around evicted the pages being used and served 31
 * requests/s; without it, 3,600/s (docs/benchmarks.md, ninth session). Per process, not shared.
 */
export function openLmdbEnv(dir: string, opts: { randomAccess?: boolean } = {}): RootDatabase {
  return open(dir, { ...LMDB_ENV_OPTIONS, ...(opts.randomAccess ? { noReadAhead: true } : {}) });
}
