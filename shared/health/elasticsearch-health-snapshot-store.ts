// Health snapshots in Elasticsearch, for sites that centralise there (docs/metrics.md): the
// incident store's mechanism — records queued (bounded) and written with the client's bulk
// helper once a second or every 500 — into one index a day (PREFIX-YYYY.MM.DD, so old days are
// dropped by deleting indices or by an ILM policy). Searches read PREFIX-*, newest first. The
// index template is deploy/elasticsearch/pampero-health-template.json; it is put at start too.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '../log.js';
import { DEFAULT_SNAPSHOT_LIMIT, type HealthSnapshot, type HealthSnapshotFilter, type HealthSnapshotStore } from './health-snapshot.js';

export interface ElasticsearchHealthSnapshotOptions {
  url: string;
  /** Index prefix (matches the template's pattern pampero-health-*); default pampero-health. */
  indexPrefix?: string;
  logger: Logger;
  /** Snapshots waiting for the bulk write, at most; beyond it new ones are dropped (and logged). */
  maxQueue?: number;
}

const BATCH = 500;
const FLUSH_MS = 1000;
const TEMPLATE = 'pampero-health-template.json';

function templateFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From the sources (shared/health) and from dist/ (dist/shared/health).
  const candidates = [join(here, '..', '..', 'deploy'), join(here, '..', '..', '..', 'deploy')].map((d) => join(d, 'elasticsearch', TEMPLATE));
  return candidates.find((file) => { try { readFileSync(file); return true; } catch { return false; } }) ?? candidates[0]!;
}

/** The day's index of a snapshot: PREFIX-YYYY.MM.DD (UTC). */
export function snapshotIndex(prefix: string, at: string): string {
  return `${prefix}-${at.slice(0, 10).replace(/-/g, '.')}`;
}

export async function elasticsearchHealthSnapshotStore(opts: ElasticsearchHealthSnapshotOptions): Promise<HealthSnapshotStore> {
  const prefix = opts.indexPrefix ?? 'pampero-health';
  const pattern = `${prefix}-*`;
  const log = opts.logger;
  const client = new Client({ node: opts.url, requestTimeout: 5000 });
  // The template is in deploy/ for operators; an unreachable cluster must not stop a node.
  try {
    const template = JSON.parse(readFileSync(templateFile(), 'utf8')) as Record<string, unknown>;
    await client.indices.putIndexTemplate({ name: 'pampero-health', ...template } as never);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'health snapshots: index template not installed');
  }
  const maxQueue = opts.maxQueue ?? 10_000;
  let queue: HealthSnapshot[] = [];
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void write(), FLUSH_MS);
  timer.unref();

  function write(refresh = false): Promise<void> {
    writing = writing.then(async () => {
      const batch = queue;
      queue = [];
      if (batch.length > 0) {
        await client.helpers.bulk<HealthSnapshot>({
          datasource: batch,
          onDocument: (doc) => ({ create: { _index: snapshotIndex(prefix, doc.at), _id: `${doc.node}@${Date.parse(doc.at)}` } }),
          onDrop: (dropped) => log.warn({ node: dropped.document.node, status: dropped.status }, 'health snapshot not stored in Elasticsearch'),
        });
      }
      if (refresh) await client.indices.refresh({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
    }).catch((err: Error) => log.warn({ err: err.message }, 'health snapshots: Elasticsearch bulk write failed'));
    return writing;
  }

  return {
    async record(snapshot) {
      if (queue.length >= maxQueue) {
        log.warn({ node: snapshot.node }, 'health snapshots: Elasticsearch queue full, snapshot dropped');
        return;
      }
      queue.push(snapshot);
      if (queue.length >= BATCH) void write();
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
    flush: () => write(true),
    async close() {
      clearInterval(timer);
      await write();
      await client.close();
    },
  };
}
