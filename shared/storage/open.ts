// The one place the rest of the code opens storage. For now always the embedded LMDB backend;
// a `storage.backend` option (ScyllaDB) will choose here.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openLmdbStores } from './lmdb/open-lmdb.js';
import type { Stores } from './types.js';

export async function openStores(opts: { dataDir: string }): Promise<Stores> {
  const dir = join(opts.dataDir, 'lmdb');
  await mkdir(dir, { recursive: true });
  return openLmdbStores(dir);
}
