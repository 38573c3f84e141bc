// The Elasticsearch health-snapshot store runs the shared contract against a real cluster when
// ELASTICSEARCH_URL is set (e.g. http://127.0.0.1:9200); without it the suite is reported skipped.
import { createLogger } from '../log.js';
import { elasticsearchHealthSnapshotStore, snapshotIndex } from './elasticsearch-health-snapshot-store.js';
import { healthSnapshotStoreContract } from './health-snapshot-store-contract.js';

const url = process.env.ELASTICSEARCH_URL;
const describeWithElasticsearch = url ? describe : describe.skip;

describeWithElasticsearch(url ? `Elasticsearch health-snapshot store at ${url}` : 'Elasticsearch health-snapshot store (skipped: ELASTICSEARCH_URL is not set)', () => {
  healthSnapshotStoreContract(() => elasticsearchHealthSnapshotStore({ url: url!, indexPrefix: `pampero-health-test-${process.pid}`, logger: createLogger('silent') }));
});

test('a snapshot goes to the index of its day (UTC)', () => {
  expect(snapshotIndex('pampero-health', '2026-11-26T23:59:59.999Z')).toBe('pampero-health-2026.11.26');
});
