// Mixed bus protocol versions (a rolling update from N-1 to N): each node announces the version it
// speaks, a node writes the newest version its reader reads, and entries flow both ways between
// an N node and an N-1 node. Real redis-server.
import type { Redis } from 'ioredis';
import { createLogger } from '../log.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { BUS_PROTOCOL_VERSION, NodeBus, type BusEntry } from './node-bus.js';
import { clusterKeys } from './keys.js';
import { describeWithRedis, useRedisServer } from '../../test/support/redis-hooks.js';

const logger = createLogger('silent');
const N = BUS_PROTOCOL_VERSION;

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeWithRedis('bus protocol versions', () => {
  const connections: Redis[] = [];
  const buses: NodeBus[] = [];
  // Declared first, so it runs before the server stops (jest runs a block's afterAll hooks in order).
  afterAll(async () => {
    for (const bus of buses) await bus.stop();
    for (const c of connections) c.disconnect();
  });
  const db = useRedisServer();

  async function bus(nodeId: string, version: number | undefined, received: BusEntry[]): Promise<NodeBus> {
    const redis = connectRedis({ url: db.server.url, logger, connectionName: nodeId });
    const reader = connectRedis({ url: db.server.url, logger, connectionName: `${nodeId}-r`, commandTimeoutMs: 0 });
    await Promise.all([redisReady(redis, 5000), redisReady(reader, 5000)]);
    connections.push(redis);
    const b = new NodeBus({ nodeId, redis, reader, maxInboxEntries: 100, logger, protocolVersion: version, onEntry: (e) => { received.push(e); void b.ack(e.id); } });
    await b.start();
    buses.push(b);
    return b;
  }

  test('a node speaks its release version unless told to speak the previous one; other versions are refused', async () => {
    expect(() => new NodeBus({ nodeId: 'x', redis: connectRedis({ url: db.server.url, logger, connectionName: 'x' }), reader: {} as Redis, maxInboxEntries: 1, logger, protocolVersion: N + 1, onEntry: () => {} })).toThrow(/speaks/);
  });

  test('an N node and an N-1 node exchange entries both ways, each written in a version its reader reads', async () => {
    const atNew: BusEntry[] = [];
    const atOld: BusEntry[] = [];
    const current = await bus('new', undefined, atNew);
    const previous = await bus('old', N - 1, atOld);
    const redis = connections[0]!;
    expect(await redis.hgetall(clusterKeys.busVersions)).toMatchObject({ new: String(N), old: String(N - 1) });

    expect(current.versionFor('old')).toBe(N - 1);
    expect(await current.send('old', 'deliver', 'to the old one')).toBe('queued');
    expect(await previous.send('new', 'deliver', 'to the new one')).toBe('queued');
    await until(() => atNew.length === 1 && atOld.length === 1);
    expect(atOld[0]).toMatchObject({ version: N - 1, body: 'to the old one', fromNode: 'new' });
    expect(atNew[0]).toMatchObject({ version: N - 1, body: 'to the new one', fromNode: 'old' });

    // Between two current nodes, the current version.
    const atOther: BusEntry[] = [];
    await bus('new-2', undefined, atOther);
    expect(await current.send('new-2', 'deliver', 'current')).toBe('queued');
    await until(() => atOther.length === 1);
    expect(atOther[0]!.version).toBe(N);
  });

  test('a node that has not announced itself (or left) is written the previous version, which every node reads', async () => {
    const b = buses[0]!;
    expect(b.versionFor('never-seen')).toBe(N - 1);
    const gone: BusEntry[] = [];
    const leaving = await bus('leaving', undefined, gone);
    await leaving.stop();
    buses.splice(buses.indexOf(leaving), 1);
    expect(await connections[0]!.hexists(clusterKeys.busVersions, 'leaving')).toBe(0);
  });
});
