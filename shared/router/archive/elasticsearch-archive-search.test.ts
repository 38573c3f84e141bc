// The Elasticsearch archive search runs the shared contract against a real cluster when
// ELASTICSEARCH_URL is set (e.g. http://127.0.0.1:9200); without it the suite is reported skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../log.js';
import { openLmdbStores } from '../../storage/lmdb/open-lmdb.js';
import type { Stores } from '../../storage/types.js';
import type { ArchiveSearch } from './archive-search.js';
import { describeArchiveSearchContract } from './archive-search-contract.js';
import { elasticsearchArchiveSearch } from './elasticsearch-archive-search.js';

const url = process.env.ELASTICSEARCH_URL;
const describeWithElasticsearch = url ? describe : describe.skip;

describeWithElasticsearch(url ? `Elasticsearch archive search at ${url}` : 'Elasticsearch archive search (skipped: ELASTICSEARCH_URL is not set)', () => {
  let dir: string;
  let stores: Stores;
  let search: ArchiveSearch;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pampero-es-search-'));
    stores = await openLmdbStores(dir);
    search = await elasticsearchArchiveSearch(stores.archive!, { url: url!, index: `pampero-archive-test-${process.pid}`, logger: createLogger('silent') });
  });
  afterAll(async () => {
    await search.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });
  describeArchiveSearchContract(() => ({ store: stores.archive!, search }));
});
