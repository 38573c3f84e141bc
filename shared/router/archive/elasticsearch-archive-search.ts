// XEP-0431 full-text search through Elasticsearch (archive.elasticsearchUrl, docs/archive.md): the
// archive writer hands every written batch to `indexed`, which queues one document per entry
// {owner, id, with, withBare, body} for the bounded bulk writer (shared/elasticsearch/bulk-writer.ts);
// a search is a bool query — the owner, the `with` and id-range filters as keyword terms (ids are
// fixed-width hex, so a keyword range is a time range), the words as a `match` with operator and —
// sorted by id, max+1 hits; the messages themselves are then read from the archive by id. The
// index template is deploy/elasticsearch/pampero-archive-template.json (body analysed with
// lowercase and ASCII folding, the same rule as the embedded search); it is put at start too.
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log.js';
import { createBulkWriter } from '../../elasticsearch/bulk-writer.js';
import { installIndexTemplate } from '../../elasticsearch/index-template.js';
import { bareOf, idRange, pagesBackward, toPage } from '../../storage/archive-filter.js';
import { archiveIdBound } from '../../storage/archive-id.js';
import { bodyText } from '../../storage/archive-text.js';
import type { ArchiveEntry, ArchiveStore } from '../../storage/types.js';
import type { ArchiveSearch } from './archive-search.js';

export interface ArchiveSearchDocument {
  owner: string;
  id: string;
  with: string;
  withBare: string;
  body: string;
}

export interface ElasticsearchArchiveSearchOptions {
  url: string;
  /** Index name (matches the template's pattern pampero-archive*). */
  index?: string;
  logger: Logger;
  /** Documents waiting for the bulk write, at most; beyond it new ones are dropped (and logged). */
  maxQueue?: number;
}

export async function elasticsearchArchiveSearch(store: ArchiveStore, opts: ElasticsearchArchiveSearchOptions): Promise<ArchiveSearch> {
  const index = opts.index ?? 'pampero-archive';
  const client = new Client({ node: opts.url, requestTimeout: 5000 });
  await installIndexTemplate(client, 'pampero-archive', 'pampero-archive-template.json', opts.logger, 'archive search');
  const writer = createBulkWriter<ArchiveSearchDocument>({
    bulk: (request) => client.helpers.bulk<ArchiveSearchDocument>(request),
    refresh: () => client.indices.refresh({ index, ignore_unavailable: true }),
    target: (doc) => ({ index, id: `${doc.owner}/${doc.id}` }),
    describe: (doc) => ({ owner: doc.owner, id: doc.id }),
    logger: opts.logger,
    names: { store: 'archive search', document: 'archive entry' },
    maxQueue: opts.maxQueue ?? 50_000,
  });

  return {
    async search(owner, filter, page) {
      const range = idRange(filter, page);
      if (!range) return { entries: [], complete: true };
      const must: object[] = [{ term: { owner } }, { range: { id: { gte: range.low, lte: range.high } } }];
      if (filter.with !== undefined) must.push(filter.with.includes('/') ? { term: { with: filter.with } } : { term: { withBare: filter.with } });
      if (filter.ids) must.push({ terms: { id: filter.ids } });
      const words = filter.words ?? [];
      const backward = pagesBackward(page);
      const result = await client.search<ArchiveSearchDocument>({
        index,
        size: page.max + 1,
        query: { bool: { filter: must, ...(words.length > 0 ? { must: [{ match: { body: { query: words.join(' '), operator: 'and' } } }] } : {}) } },
        sort: [{ id: backward ? 'desc' : 'asc' }],
        _source: ['id'],
        ignore_unavailable: true,
      });
      const ids = result.hits.hits.map((hit) => hit._source?.id).filter((id): id is string => id !== undefined);
      if (ids.length === 0) return { entries: [], complete: true };
      // The archive is the record: read the messages themselves (at most max+1 ids, in two reads).
      const found = new Map<string, ArchiveEntry>();
      for (let i = 0; i < ids.length; i += 250) {
        const part = ids.slice(i, i + 250);
        const read = await store.query(owner, { ids: part }, { max: part.length });
        for (const entry of read.entries) found.set(entry.id, entry);
      }
      const matches = ids.map((id) => found.get(id)).filter((e): e is ArchiveEntry => e !== undefined);
      return toPage(matches, page);
    },
    indexed(entries) {
      for (const { owner, id, with: w, xml } of entries) {
        const body = bodyText(xml);
        if (body !== '') writer.add({ owner, id, with: w, withBare: bareOf(w), body });
      }
    },
    async cleared(owner) {
      await writer.flush();
      await client.deleteByQuery({ index, query: { term: { owner } }, refresh: true, conflicts: 'proceed', ignore_unavailable: true });
    },
    async purgedBefore(time) {
      await client.deleteByQuery({ index, query: { range: { id: { lt: archiveIdBound(time, 'first') } } }, conflicts: 'proceed', ignore_unavailable: true });
    },
    flush: () => writer.flush(),
    async close() {
      await writer.close();
      await client.close();
    },
  };
}
