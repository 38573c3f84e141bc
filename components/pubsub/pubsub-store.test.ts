// The LMDB PubsubStore (shared/storage/lmdb/pubsub-store.ts) against the contract.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbPubsubStore } from '../../shared/storage/lmdb/pubsub-store.js';
import { pubsubStoreContract } from './test-support/pubsub-store-contract.js';

pubsubStoreContract('LMDB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pampero-pubsub-store-'));
  const { store, close } = openLmdbPubsubStore(dir);
  return {
    store,
    close: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
