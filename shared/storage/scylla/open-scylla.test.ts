// Schema creation and checking at open, against a stub client (no server here).
import type { ScyllaConfig } from '../../config/types.js';
import { ensureSchema, type SchemaClient } from './open-scylla.js';
import { TABLE_NAMES } from './schema.js';

const config: ScyllaConfig = {
  contactPoints: ['127.0.0.1'],
  localDataCenter: 'dc1',
  keyspace: 'chat',
  username: '',
  password: '',
  consistency: 'LOCAL_QUORUM',
  createSchema: true,
};

function stubClient(opts: { nodes: string[]; rejectTablets?: number; tables?: string[] }) {
  const executed: string[] = [];
  const tables = new Set(opts.tables ?? []);
  const client: SchemaClient = {
    execute: async (query) => {
      executed.push(query);
      if (query.includes('tablets') && opts.rejectTablets !== undefined) {
        throw Object.assign(new Error("Unknown property 'tablets'"), { code: opts.rejectTablets });
      }
      const table = /CREATE TABLE IF NOT EXISTS \w+\.(\w+)/.exec(query)?.[1];
      if (table) tables.add(table);
      return {};
    },
    hosts: { values: () => opts.nodes.map((datacenter) => ({ datacenter })) },
    metadata: { getTable: async (_keyspace, table) => (tables.has(table) ? { name: table } : null) },
  };
  return { client, executed };
}

describe('ScyllaDB schema at open', () => {
  test('creates the keyspace with min(3, local nodes) replicas and tablets off, then every table', async () => {
    const { client, executed } = stubClient({ nodes: ['dc1', 'dc1', 'dc1', 'dc1', 'dc2'] });
    await ensureSchema(client, config);
    expect(executed[0]).toBe(
      "CREATE KEYSPACE IF NOT EXISTS chat WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3} AND tablets = {'enabled': false}",
    );
    expect(executed.slice(1).map((q) => /chat\.(\w+)/.exec(q)?.[1])).toEqual([...TABLE_NAMES]);
  });

  test('falls back to the plain keyspace statement where tablets are unknown (Apache Cassandra)', async () => {
    const { client, executed } = stubClient({ nodes: ['dc1'], rejectTablets: 0x2000 });
    await ensureSchema(client, config);
    expect(executed[1]).toBe("CREATE KEYSPACE IF NOT EXISTS chat WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
  });

  test('other failures are not hidden', async () => {
    const { client } = stubClient({ nodes: ['dc1'], rejectTablets: 0x2100 }); // unauthorized
    await expect(ensureSchema(client, config)).rejects.toThrow("Unknown property 'tablets'");
  });

  test('without createSchema, missing tables stop the start with one clear message', async () => {
    const missing = ['account_index', 'offline_messages', 'components'];
    const { client, executed } = stubClient({ nodes: ['dc1'], tables: TABLE_NAMES.filter((t) => !missing.includes(t)) });
    await expect(ensureSchema(client, { ...config, createSchema: false })).rejects.toThrow(
      'ScyllaDB keyspace chat lacks table(s) account_index, offline_messages, components: apply deploy/scylla/schema.cql or set storage.scylla.createSchema to true',
    );
    expect(executed).toEqual([]);
  });
});
