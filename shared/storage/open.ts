// The one place the rest of the code opens storage: embedded LMDB under <dataDir>/lmdb unless the
// config's storage section chooses ScyllaDB. The ScyllaDB code (and cassandra-driver) is loaded
// only when chosen, so an all-in-one start stays light.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageConfig } from '../config/types.js';
import { openLmdbStores } from './lmdb/open-lmdb.js';
import type { Stores } from './types.js';
import { instrumentStores } from './instrumented-stores.js';
import { bulkheadStores, type StorageBulkheadOptions } from './storage-bulkhead.js';

export interface OpenStoresOptions {
  dataDir: string;
  /** The config's `storage` section; absent means LMDB. */
  storage?: Pick<StorageConfig, 'backend' | 'scylla'> & Partial<StorageConfig>;
  /**
   * Servers put every store behind a bulkhead (storage-bulkhead.ts, docs/isolation.md): deadline,
   * concurrency limit, bounded wait queue. One-shot commands (user add, roster import) leave it off.
   */
  bulkhead?: StorageBulkheadOptions;
  /** Test only: wraps the backend's stores before anything else sees them (loadtest/faults/faulty-stores.ts). */
  wrapBackend?: (stores: Stores) => Stores;
}

/** The bulkhead options of a config's storage section. */
export function storageBulkhead(storage: StorageConfig): StorageBulkheadOptions {
  return { timeoutMs: storage.timeoutMs, maxConcurrent: storage.maxConcurrent, maxQueued: storage.maxQueued };
}

/** The configured backend's stores, timed and counted for /metrics (instrumented-stores.ts), and bounded when asked. */
export async function openStores(opts: OpenStoresOptions): Promise<Stores> {
  const backend = await openBackend(opts);
  const instrumented = instrumentStores(opts.wrapBackend ? opts.wrapBackend(backend) : backend);
  return opts.bulkhead ? bulkheadStores(instrumented, opts.bulkhead) : instrumented;
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
