// The index templates of the Elasticsearch stores live in deploy/elasticsearch/ for operators;
// a store also puts its template when it opens, but neither a missing file nor an unreachable
// cluster may stop a node: either is logged and the store opens anyway.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../log.js';

/** deploy/elasticsearch/`file`, from the sources (shared/elasticsearch) and from dist/ (dist/shared/elasticsearch). */
export function templateFile(file: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'deploy'), join(here, '..', '..', '..', 'deploy')].map((d) => join(d, 'elasticsearch', file));
  return candidates.find((path) => { try { readFileSync(path); return true; } catch { return false; } }) ?? candidates[0]!;
}

/** Puts the template `name` from deploy/elasticsearch/`file`; a failure is logged as `store: index template not installed`. */
export async function installIndexTemplate(client: Client, name: string, file: string, logger: Logger, store: string): Promise<void> {
  try {
    const template = JSON.parse(readFileSync(templateFile(file), 'utf8')) as Record<string, unknown>;
    await client.indices.putIndexTemplate({ name, ...template } as never);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, `${store}: index template not installed`);
  }
}
