// The Elasticsearch incident store runs the shared contract against a real cluster when
// ELASTICSEARCH_URL is set (e.g. http://127.0.0.1:9200); without it the suite is reported skipped.
import { createLogger } from '../../log.js';
import { elasticsearchIncidentStore } from './elasticsearch-incident-store.js';
import { incidentStoreContract } from './incident-store-contract.js';

const url = process.env.ELASTICSEARCH_URL;
const describeWithElasticsearch = url ? describe : describe.skip;

describeWithElasticsearch(url ? `Elasticsearch incident store at ${url}` : 'Elasticsearch incident store (skipped: ELASTICSEARCH_URL is not set)', () => {
  incidentStoreContract(() => elasticsearchIncidentStore({ url: url!, index: `pampero-incidents-test-${process.pid}`, logger: createLogger('silent') }));
});
