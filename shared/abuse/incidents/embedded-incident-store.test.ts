import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../storage/open.js';
import { defaultConfig } from '../../config/defaults.js';
import type { Stores } from '../../storage/types.js';
import { embeddedIncidentStore } from './embedded-incident-store.js';
import { incidentStoreContract } from './incident-store-contract.js';

describe('embedded incident store (LMDB account data)', () => {
  let dir: string;
  let stores: Stores;
  incidentStoreContract(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pampero-incidents-'));
    stores = await openStores({ dataDir: dir, storage: defaultConfig().storage });
    const store = embeddedIncidentStore(stores.accountData);
    return { ...store, close: async () => { await stores.close(); await rm(dir, { recursive: true, force: true }); } };
  });
});
