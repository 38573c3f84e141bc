import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../storage/open.js';
import { defaultConfig } from '../config/defaults.js';
import type { Stores } from '../storage/types.js';
import { embeddedHealthSnapshotStore } from './embedded-health-snapshot-store.js';
import { healthSnapshotStoreContract, snapshotOf } from './health-snapshot-store-contract.js';

async function openEmbedded(retentionHours: number) {
  const dir = await mkdtemp(join(tmpdir(), 'pampero-health-'));
  const stores: Stores = await openStores({ dataDir: dir, storage: defaultConfig().storage });
  const store = embeddedHealthSnapshotStore(stores.accountData, { retentionHours });
  return { stores, store, close: async () => { await store.close(); await stores.close(); await rm(dir, { recursive: true, force: true }); } };
}

describe('embedded health-snapshot store (LMDB account data)', () => {
  healthSnapshotStoreContract(async () => {
    const { store, close } = await openEmbedded(24);
    return { ...store, close };
  });
});

test('snapshots older than the retention are not found, and are deleted at the next write', async () => {
  const { store: keepsADay, stores, close } = await openEmbedded(24);
  try {
    const now = Date.now();
    await stores.accountData.put('pampero:health-snapshots', 'x', 'not a snapshot key'); // sorts last, left alone
    for (const hoursAgo of [5, 3, 1]) await keepsADay.record(snapshotOf('n', new Date(now - hoursAgo * 3_600_000), { sessions: hoursAgo }));
    const keepsTwoHours = embeddedHealthSnapshotStore(stores.accountData, { retentionHours: 2 });
    expect((await keepsTwoHours.search({})).map((s) => s.sessions)).toEqual([1]);
    expect(await stores.accountData.keys('pampero:health-snapshots')).toHaveLength(4);
    await keepsTwoHours.record(snapshotOf('n', new Date(now), { sessions: 0 }));
    expect((await keepsTwoHours.search({ node: 'n' })).map((s) => s.sessions)).toEqual([0, 1]);
    expect(await stores.accountData.keys('pampero:health-snapshots')).toHaveLength(3); // now, 1 h ago, and the foreign key
  } finally {
    await close();
  }
});
