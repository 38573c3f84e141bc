// `concurrent-connections-per-ip` counted over a fleet (docs/abuse.md, "One node and a fleet"):
// two gateways on one spawned Redis share the count of an address's open connections; the counts
// of a gateway that dies without a word expire with its hash; while Redis is away a gateway counts
// on its own and answers at once; a Redis that lost its data gets each gateway's counts back.
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { header, openRaw, type RawClient } from '../support/raw-client.js';
import { setLimit, withPolicyStore } from '../../cli/limits-commands.js';
import { FleetOpenConnections } from '../../shared/abuse/open-connections.js';
import { connectRedis } from '../../shared/cluster/redis-connection.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = pino({ level: 'silent' });

describeWithRedis('connections open at once per address, over a fleet', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await spawnRedis();
    nodeA = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'open-a', heartbeatSeconds: 1 }, abuse: { enabled: true } });
    nodeB = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'open-b', heartbeatSeconds: 1 }, abuse: { enabled: true } });
    await withPolicyStore(nodeA.config, (store) => setLimit(store, 'concurrent-connections-per-ip', { points: '3' }));
    await sleep(1300); // both nodes poll the policy version every second
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.socket.destroy();
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
  });

  async function attempt(server: TestServer, from: string): Promise<{ client: RawClient; outcome: string }> {
    const client = await openRaw(server.c2sPort, from);
    clients.push(client);
    client.send(header(server.domain));
    return { client, outcome: await client.waitFor(/<stream:features>|policy-violation/) };
  }

  test("an address's connections on both gateways count against one limit, and a closed one frees a place", async () => {
    const open = [await attempt(nodeA, '127.0.0.9'), await attempt(nodeA, '127.0.0.9'), await attempt(nodeB, '127.0.0.9')];
    expect(open.map((o) => o.outcome)).toEqual(Array(3).fill('<stream:features>'));
    const refused = await attempt(nodeB, '127.0.0.9');
    expect(refused.outcome).toBe('policy-violation');
    expect(await refused.client.waitFor(/Too many connections \(concurrent-connections-per-ip\)/)).toBeTruthy();
    expect((await attempt(nodeB, '127.0.0.10')).outcome).toBe('<stream:features>'); // another address
    open[0]!.client.socket.destroy();
    await sleep(300);
    expect((await attempt(nodeB, '127.0.0.9')).outcome).toBe('<stream:features>');
  });

  test("a gateway that dies without a word has its counts released within three heartbeats", async () => {
    const dead = connectRedis({ url: redis.url, logger });
    const alive = connectRedis({ url: redis.url, logger });
    const crashed = new FleetOpenConnections(dead, 'crashed', 1);
    const survivor = new FleetOpenConnections(alive, 'survivor', 1);
    try {
      await sleep(200);
      expect([await crashed.open('192.0.2.7', 3), await crashed.open('192.0.2.7', 3), await survivor.open('192.0.2.7', 3)]).toEqual([true, true, true]);
      expect(await survivor.open('192.0.2.7', 3)).toBe(false);
      dead.disconnect(); // its heartbeat no longer reaches Redis, as after kill -9
      await sleep(3500);
      expect([await survivor.open('192.0.2.7', 3), await survivor.open('192.0.2.7', 3)]).toEqual([true, true]);
      expect(await survivor.open('192.0.2.7', 3)).toBe(false);
    } finally {
      await crashed.stop();
      await survivor.stop();
      alive.disconnect();
    }
  });

  test("a Redis that lost its data gets each gateway's counts back at the next heartbeat", async () => {
    const connections = [connectRedis({ url: redis.url, logger }), connectRedis({ url: redis.url, logger })];
    const [one, two] = connections.map((c, i) => new FleetOpenConnections(c, `resync-${i}`, 1));
    try {
      await sleep(200);
      expect([await one!.open('192.0.2.8', 2), await one!.open('192.0.2.8', 2)]).toEqual([true, true]);
      await connections[0]!.flushall();
      expect(await two!.open('192.0.2.8', 2)).toBe(true); // Redis forgot one's two connections…
      two!.close('192.0.2.8');
      await sleep(1500);
      expect(await two!.open('192.0.2.8', 2)).toBe(false); // …until one's heartbeat wrote them back
    } finally {
      await one!.stop();
      await two!.stop();
      for (const c of connections) c.disconnect();
    }
  });

  test('while Redis is away a gateway admits on its own count, at once', async () => {
    const own = await spawnRedis();
    const connection = connectRedis({ url: own.url, logger });
    const node = new FleetOpenConnections(connection, 'lonely', 1);
    try {
      await sleep(200);
      await own.stop();
      await sleep(300);
      const started = Date.now();
      expect([await node.open('192.0.2.9', 2), await node.open('192.0.2.9', 2), await node.open('192.0.2.9', 2)]).toEqual([true, true, false]);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await node.stop();
      connection.disconnect();
    }
  });
});
