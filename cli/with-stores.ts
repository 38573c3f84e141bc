// Opens the stores of the configured data directory for one command and always closes them.
import type { PamperoConfig } from '../shared/config/types.js';
import { openStores } from '../shared/storage/open.js';
import type { Stores } from '../shared/storage/types.js';

export async function withStores<T>(config: PamperoConfig, use: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openStores({ dataDir: config.dataDir, storage: config.storage });
  try {
    return await use(stores);
  } finally {
    await stores.close();
  }
}
