// The health-snapshot store a configuration names, chosen like the incident store
// (shared/abuse/incidents/open-incident-store.ts): Elasticsearch when
// healthSnapshots.elasticsearchUrl is set (every node's snapshots in one place), else embedded in
// the account-data store.
import type { PamperoConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { AccountDataStore } from '../storage/types.js';
import { elasticsearchHealthSnapshotStore } from './elasticsearch-health-snapshot-store.js';
import { embeddedHealthSnapshotStore } from './embedded-health-snapshot-store.js';
import type { HealthSnapshotStore } from './health-snapshot.js';

export async function openHealthSnapshotStore(config: PamperoConfig, accountData: AccountDataStore, logger: Logger): Promise<HealthSnapshotStore> {
  const { elasticsearchUrl, retentionHours } = config.healthSnapshots;
  if (elasticsearchUrl) return elasticsearchHealthSnapshotStore({ url: elasticsearchUrl, logger: logger.child({ module: 'health-snapshots' }) });
  return embeddedHealthSnapshotStore(accountData, { retentionHours });
}
