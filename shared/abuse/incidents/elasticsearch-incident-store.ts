// Incidents in Elasticsearch, for a fleet (docs/abuse.md): records are queued (bounded) and
// written with the client's bulk helper once a second or every 500; searches are term filters on
// keyword fields, newest first. The index template is deploy/elasticsearch/pampero-incidents-template.json.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../log.js';
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

const BATCH = 500;
const FLUSH_MS = 1000;

function templateFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From the sources (shared/abuse/incidents) and from dist/ (dist/shared/abuse/incidents).
  const candidates = [join(here, '..', '..', '..', 'deploy'), join(here, '..', '..', '..', '..', 'deploy')].map((d) => join(d, 'elasticsearch', 'pampero-incidents-template.json'));
  return candidates.find((file) => { try { readFileSync(file); return true; } catch { return false; } }) ?? candidates[0]!;
}

export async function elasticsearchIncidentStore(opts: ElasticsearchIncidentOptions): Promise<IncidentStore> {
  const index = opts.index ?? 'pampero-incidents';
  const client = new Client({ node: opts.url, requestTimeout: 5000 });
  const template = JSON.parse(readFileSync(templateFile(), 'utf8')) as Record<string, unknown>;
  // The template is in deploy/ for operators; put it here too, but an unreachable cluster must not stop a node.
  await client.indices.putIndexTemplate({ name: 'pampero-incidents', ...template } as never).catch((err: Error) => opts.logger.warn({ err: err.message }, 'incidents: index template not installed'));
  const maxQueue = opts.maxQueue ?? 10_000;
  let queue: Incident[] = [];
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void write(), FLUSH_MS);
  timer.unref();

  function write(refresh = false): Promise<void> {
    writing = writing.then(async () => {
      if (queue.length === 0 && !refresh) return;
      const batch = queue;
      queue = [];
      if (batch.length > 0) {
        await client.helpers.bulk<Incident>({
          datasource: batch,
          onDocument: (doc) => ({ create: { _index: index, _id: doc.id } }),
          onDrop: (dropped) => opts.logger.warn({ id: dropped.document.id, status: dropped.status }, 'incident not stored in Elasticsearch'),
          refreshOnCompletion: refresh ? index : false,
        });
      } else {
        await client.indices.refresh({ index });
      }
    }).catch((err: Error) => opts.logger.warn({ err: err.message }, 'incidents: Elasticsearch bulk write failed'));
    return writing;
  }

  return {
    async record(incident) {
      const at = incident.at ? new Date(incident.at) : new Date();
      const id = incidentId(at);
      if (queue.length >= maxQueue) {
        opts.logger.warn({ kind: incident.kind }, 'incidents: Elasticsearch queue full, incident dropped');
        return id;
      }
      const doc: Incident = { ...incident, id, at: at.toISOString() };
      if (incident.text !== undefined) doc.text = incident.text.slice(0, MAX_INCIDENT_TEXT);
      queue.push(doc);
      if (queue.length >= BATCH) void write();
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
    flush: () => write(true),
    async close() {
      clearInterval(timer);
      await write();
      await client.close();
    },
  };
}
