// The one place the rest of the code opens storage: embedded LMDB under <dataDir>/lmdb unless the
// config's storage section chooses ScyllaDB. The ScyllaDB code (and cassandra-driver) is loaded
// only when chosen, so an all-in-one start stays light.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageConfig } from '../config/types.js';
import { openLmdbStores } from './lmdb/open-lmdb.js';
import type { Stores } from './types.js';
import { instrumentStores } from './instrumented-stores.js';

export interface OpenStoresOptions {
  dataDir: string;
  /** The config's `storage` section; absent means LMDB. */
  storage?: StorageConfig;
}

/** The configured backend's stores, timed and counted for /metrics (instrumented-stores.ts). */
export async function openStores(opts: OpenStoresOptions): Promise<Stores> {
  return instrumentStores(await openBackend(opts));
}

async function openBackend(opts: OpenStoresOptions): Promise<Stores> {
  if (opts.storage?.backend === 'scylla') {
    const { openScyllaStores } = await import('./scylla/open-scylla.js');
    return openScyllaStores(opts.storage.scylla);
  }
  const dir = join(opts.dataDir, 'lmdb');
  await mkdir(dir, { recursive: true });
  return openLmdbStores(dir);
}
