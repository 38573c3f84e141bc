// The incident store a configuration names: Elasticsearch when abuse.elasticsearchUrl is set (a
// fleet: every node's reports in one place), else the embedded one in the account-data store.
import type { PamperoConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Stores } from '../../storage/types.js';
import { elasticsearchIncidentStore } from './elasticsearch-incident-store.js';
import { embeddedIncidentStore } from './embedded-incident-store.js';
import type { IncidentStore } from './incident-store.js';

export async function openIncidentStore(config: PamperoConfig, stores: Stores, logger: Logger): Promise<IncidentStore> {
  if (config.abuse.elasticsearchUrl) return elasticsearchIncidentStore({ url: config.abuse.elasticsearchUrl, logger: logger.child({ module: 'incidents' }) });
  return embeddedIncidentStore(stores.accountData);
}
