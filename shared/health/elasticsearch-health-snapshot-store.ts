// Health snapshots in Elasticsearch, for sites that centralise there (docs/metrics.md): the
// incident store's mechanism — the bounded bulk writer (shared/elasticsearch/bulk-writer.ts:
// queued, written with the client's bulk helper once a second or every 500) — into one index a
// day (PREFIX-YYYY.MM.DD, so old days are dropped by deleting indices or by an ILM policy).
// Searches read PREFIX-*, newest first. The index template is
// deploy/elasticsearch/pampero-health-template.json; it is put at start too.
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '../log.js';
import { createBulkWriter } from '../elasticsearch/bulk-writer.js';
import { installIndexTemplate } from '../elasticsearch/index-template.js';
import { DEFAULT_SNAPSHOT_LIMIT, type HealthSnapshot, type HealthSnapshotFilter, type HealthSnapshotStore } from './health-snapshot.js';

export interface ElasticsearchHealthSnapshotOptions {
  url: string;
  /** Index prefix (matches the template's pattern pampero-health-*); default pampero-health. */
  indexPrefix?: string;
  logger: Logger;
  /** Snapshots waiting for the bulk write, at most; beyond it new ones are dropped (and logged). */
  maxQueue?: number;
}

/** The day's index of a snapshot: PREFIX-YYYY.MM.DD (UTC). */
export function snapshotIndex(prefix: string, at: string): string {
  return `${prefix}-${at.slice(0, 10).replace(/-/g, '.')}`;
}

export async function elasticsearchHealthSnapshotStore(opts: ElasticsearchHealthSnapshotOptions): Promise<HealthSnapshotStore> {
  const prefix = opts.indexPrefix ?? 'pampero-health';
  const pattern = `${prefix}-*`;
  const client = new Client({ node: opts.url, requestTimeout: 5000 });
  await installIndexTemplate(client, 'pampero-health', 'pampero-health-template.json', opts.logger, 'health snapshots');
  const writer = createBulkWriter<HealthSnapshot>({
    bulk: (request) => client.helpers.bulk<HealthSnapshot>(request),
    refresh: () => client.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true }),
    target: (doc) => ({ index: snapshotIndex(prefix, doc.at), id: `${doc.node}@${Date.parse(doc.at)}` }),
    describe: (doc) => ({ node: doc.node }),
    logger: opts.logger,
    names: { store: 'health snapshots', document: 'health snapshot' },
    maxQueue: opts.maxQueue,
  });

  return {
    async record(snapshot) {
      writer.add(snapshot);
    },
    async search(filter: HealthSnapshotFilter) {
      const must: object[] = [];
      if (filter.node) must.push({ term: { node: filter.node } });
      if (filter.since) must.push({ range: { at: { gte: filter.since.toISOString() } } });
      const result = await client.search<HealthSnapshot>({
        index: pattern,
        size: filter.limit ?? DEFAULT_SNAPSHOT_LIMIT,
        query: { bool: { filter: must } },
        sort: [{ at: 'desc' }, { node: 'asc' }],
        ignore_unavailable: true,
        allow_no_indices: true,
      });
      return result.hits.hits.map((hit) => hit._source!).filter(Boolean);
    },
    flush: () => writer.flush(),
    async close() {
      await writer.close();
      await client.close();
    },
  };
}
