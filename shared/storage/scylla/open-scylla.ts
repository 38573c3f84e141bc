// Opens the ScyllaDB backend (or Apache Cassandra, which speaks the same CQL): one driver client
// shared by the four stores. With createSchema the keyspace and tables are created when missing;
// either way a missing table stops the start here, not at the first request.
import cassandra from 'cassandra-driver';
import type { ScyllaConfig } from '../../config/types.js';
import type { Stores } from '../types.js';
import { createScyllaAccountStore } from './account-store.js';
import { createScyllaAccountDataStore } from './account-data-store.js';
import { createScyllaArchiveStore } from './archive-store.js';
import { createScyllaComponentStore } from './component-store.js';
import { consistencyLevels, driverSession } from './cql-session.js';
import { createKeyedQueue } from './keyed-queue.js';
import { createScyllaOfflineStore } from './offline-store.js';
import { createScyllaRosterStore } from './roster-store.js';
import { assertKeyspaceName, keyspaceStatement, TABLE_NAMES, tableStatements } from './schema.js';
import { scyllaStatements } from './statements.js';

const REJECTED_STATEMENT_CODES = new Set([0x2000, 0x2200, 0x2300]); // syntax error, invalid, config error

export function createScyllaClient(config: ScyllaConfig): cassandra.Client {
  const { consistency, serialConsistency } = consistencyLevels(config.consistency);
  return new cassandra.Client({
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    credentials: config.username === '' ? undefined : { username: config.username, password: config.password },
    queryOptions: { consistency, serialConsistency },
    encoding: { useBigIntAsLong: true }, // bigint columns (version, seq) as BigInt, never rounded
  });
}

/** What schema creation and checking use of the client (a stub in tests). */
export interface SchemaClient {
  execute(query: string): Promise<unknown>;
  hosts: { values(): Array<{ datacenter: string }> };
  metadata: { getTable(keyspace: string, table: string): Promise<unknown> };
}

async function createSchema(client: SchemaClient, config: ScyllaConfig): Promise<void> {
  const { keyspace, localDataCenter } = config;
  const localNodes = client.hosts.values().filter((host) => host.datacenter === localDataCenter).length;
  const replicas = Math.max(1, Math.min(3, localNodes));
  try {
    await client.execute(keyspaceStatement(keyspace, localDataCenter, replicas, true));
  } catch (error) {
    // Apache Cassandra has no tablets option, and ScyllaDB may enforce tablets: use the defaults.
    if (!REJECTED_STATEMENT_CODES.has((error as { code?: number }).code ?? -1)) throw error;
    await client.execute(keyspaceStatement(keyspace, localDataCenter, replicas, false));
  }
  for (const statement of tableStatements(keyspace)) await client.execute(statement); // waits for schema agreement
}

/** Creates the schema if configured, then checks that every table is there. */
export async function ensureSchema(client: SchemaClient, config: ScyllaConfig): Promise<void> {
  if (config.createSchema) await createSchema(client, config);
  const missing: string[] = [];
  for (const table of TABLE_NAMES) if (!(await client.metadata.getTable(config.keyspace, table))) missing.push(table);
  if (missing.length > 0) {
    throw new Error(
      `ScyllaDB keyspace ${config.keyspace} lacks table(s) ${missing.join(', ')}: apply deploy/scylla/schema.cql ` +
        'or set storage.scylla.createSchema to true',
    );
  }
}

export async function openScyllaStores(config: ScyllaConfig): Promise<Stores> {
  assertKeyspaceName(config.keyspace);
  const client = createScyllaClient(config);
  try {
    await client.connect();
    await ensureSchema(client, config);
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw error;
  }
  const session = driverSession(client, config.consistency);
  const cql = scyllaStatements(config.keyspace);
  let closing: Promise<void> | undefined;
  return {
    accounts: createScyllaAccountStore(session, cql),
    rosters: createScyllaRosterStore(session, cql, createKeyedQueue()),
    offline: createScyllaOfflineStore(session, cql, createKeyedQueue()),
    components: createScyllaComponentStore(session, cql),
    archive: createScyllaArchiveStore(session, cql),
    accountData: createScyllaAccountDataStore(session, cql),
    // Lets requests in flight finish, then closes the connections; calling it twice is harmless.
    close: () => (closing ??= session.drain().then(() => client.shutdown())),
  };
}
