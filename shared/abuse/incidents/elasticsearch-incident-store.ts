// Incidents in Elasticsearch, for a fleet (docs/abuse.md): records go through the bounded bulk
// writer (shared/elasticsearch/bulk-writer.ts: queued, written with the client's bulk helper once
// a second or every 500); searches are term filters on keyword fields, newest first. The index
// template is deploy/elasticsearch/pampero-incidents-template.json; it is put at start too.
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log.js';
import { createBulkWriter } from '../../elasticsearch/bulk-writer.js';
import { installIndexTemplate } from '../../elasticsearch/index-template.js';
import { incidentId } from './embedded-incident-store.js';
import { MAX_INCIDENT_TEXT, type Incident, type IncidentFilter, type IncidentStore } from './incident-store.js';

export interface ElasticsearchIncidentOptions {
  url: string;
  /** Index name (matches the template's pattern pampero-incidents*). */
  index?: string;
  logger: Logger;
  /** Incidents waiting for the bulk write, at most; beyond it new ones are dropped (and logged). */
  maxQueue?: number;
}

export async function elasticsearchIncidentStore(opts: ElasticsearchIncidentOptions): Promise<IncidentStore> {
  const index = opts.index ?? 'pampero-incidents';
  const client = new Client({ node: opts.url, requestTimeout: 5000 });
  await installIndexTemplate(client, 'pampero-incidents', 'pampero-incidents-template.json', opts.logger, 'incidents');
  const writer = createBulkWriter<Incident>({
    bulk: (request) => client.helpers.bulk<Incident>(request),
    refresh: () => client.indices.refresh({ index }),
    target: (doc) => ({ index, id: doc.id }),
    describe: (doc) => ({ id: doc.id, kind: doc.kind }),
    logger: opts.logger,
    names: { store: 'incidents', document: 'incident' },
    maxQueue: opts.maxQueue,
  });

  return {
    async record(incident) {
      const at = incident.at ? new Date(incident.at) : new Date();
      const id = incidentId(at);
      const doc: Incident = { ...incident, id, at: at.toISOString() };
      if (incident.text !== undefined) doc.text = incident.text.slice(0, MAX_INCIDENT_TEXT);
      writer.add(doc);
      return id;
    },
    async get(id) {
      const found = await client.search<Incident>({ index, size: 1, query: { term: { id } } }).catch(() => undefined);
      return found?.hits.hits[0]?._source;
    },
    async search(filter: IncidentFilter) {
      const must: object[] = [];
      for (const field of ['reporter', 'offender', 'reason'] as const) if (filter[field]) must.push({ term: { [field]: filter[field] } });
      if (filter.since) must.push({ range: { at: { gte: filter.since.toISOString() } } });
      const result = await client.search<Incident>({
        index,
        size: filter.limit ?? 50,
        query: { bool: { filter: must } },
        sort: [{ at: 'desc' }, { id: 'asc' }],
        ignore_unavailable: true,
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
