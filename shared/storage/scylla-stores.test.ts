// The storage contract against a real ScyllaDB (or Apache Cassandra) cluster, when
// SCYLLA_CONTACT_POINTS names one (comma-separated host[:port]); skipped otherwise. Each run works
// in a fresh keyspace, dropped at the end. Optional: SCYLLA_LOCAL_DATA_CENTER (default
// datacenter1), SCYLLA_USERNAME and SCYLLA_PASSWORD. See docs/storage.md.
import { randomBytes } from 'node:crypto';
import type { ScyllaConfig } from '../config/types.js';
import { describeStoresContract } from './contract.js';
import { openStores } from './open.js';
import { createScyllaClient, openScyllaStores } from './scylla/open-scylla.js';

const contactPoints = (process.env.SCYLLA_CONTACT_POINTS ?? '')
  .split(',')
  .map((host) => host.trim())
  .filter((host) => host !== '');
const skipReason = contactPoints.length === 0 ? 'SCYLLA_CONTACT_POINTS is not set' : undefined;

const config: ScyllaConfig = {
  contactPoints,
  localDataCenter: process.env.SCYLLA_LOCAL_DATA_CENTER ?? 'datacenter1',
  keyspace: `pampero_test_${randomBytes(4).toString('hex')}`,
  username: process.env.SCYLLA_USERNAME ?? '',
  password: process.env.SCYLLA_PASSWORD ?? '',
  consistency: 'LOCAL_QUORUM',
  createSchema: false,
};

if (!skipReason) {
  // Schema changes wait for agreement across the cluster: longer than a test's timeout.
  beforeAll(async () => {
    const stores = await openScyllaStores({ ...config, createSchema: true });
    await stores.close();
  }, 120_000);
  afterAll(async () => {
    const client = createScyllaClient(config);
    await client.connect();
    await client.execute(`DROP KEYSPACE IF EXISTS ${config.keyspace}`);
    await client.shutdown();
  }, 120_000);
}

describeStoresContract('ScyllaDB', () => openScyllaStores(config), skipReason);

(skipReason ? describe.skip : describe)('ScyllaDB opening', () => {
  it('openStores opens ScyllaDB when the storage section says so', async () => {
    const stores = await openStores({ dataDir: '/nonexistent', storage: { backend: 'scylla', scylla: config } });
    await stores.components.put(`open-${config.keyspace}.example.test`, 's');
    expect((await stores.components.get(`open-${config.keyspace}.example.test`))?.secret).toBe('s');
    await stores.close();
  });

  it('without createSchema, a missing keyspace stops the opening with a clear message', async () => {
    await expect(openScyllaStores({ ...config, keyspace: `${config.keyspace}_missing` })).rejects.toThrow(
      /lacks table\(s\) accounts, .*deploy\/scylla\/schema\.cql/,
    );
  });
});

describe('openStores with storage.backend scylla, no server needed', () => {
  it('connects to the configured contact points (and fails when none answers), never falling back to LMDB', async () => {
    const unreachable: ScyllaConfig = { ...config, contactPoints: ['127.0.0.1:1'], createSchema: false };
    await expect(openStores({ dataDir: '/nonexistent', storage: { backend: 'scylla', scylla: unreachable } })).rejects.toThrow(
      /All host\(s\) tried/,
    );
  });
});
