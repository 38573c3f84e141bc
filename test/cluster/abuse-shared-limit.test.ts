// Two gateways sharing one Redis share their abuse-control budgets and policy (docs/abuse.md):
// a client spreading its connections over both meets the same limit as on one.
import { startTestServer, type TestServer } from '../support/test-server.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { header, openRaw, type RawClient } from '../support/raw-client.js';
import { setLimit, withPolicyStore } from '../../cli/limits-commands.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;

describeWithRedis('abuse control on two nodes sharing Redis', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = await spawnRedis();
    nodeA = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'abuse-a', heartbeatSeconds: 1 }, abuse: { enabled: true } });
    nodeB = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'abuse-b', heartbeatSeconds: 1 }, abuse: { enabled: true } });
  });

  afterAll(async () => {
    for (const c of clients) c.socket.destroy();
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
  });

  async function attempt(server: TestServer): Promise<string> {
    const c = await openRaw(server.c2sPort, '127.0.0.5');
    clients.push(c);
    c.send(header(server.domain));
    return c.waitFor(/<stream:features>|policy-violation/);
  }

  test('a policy set once reaches both nodes and their connections per address share one budget', async () => {
    await withPolicyStore(nodeA.config, (store) => setLimit(store, 'connections-per-ip', { points: '4', duration: '60', block: '60' }));
    await new Promise((resolve) => setTimeout(resolve, 1300)); // both nodes poll the policy version every second
    const admitted = [await attempt(nodeA), await attempt(nodeB), await attempt(nodeA), await attempt(nodeB)];
    expect(admitted).toEqual(Array(4).fill('<stream:features>'));
    expect(await attempt(nodeB)).toBe('policy-violation');
    expect(await attempt(nodeA)).toBe('policy-violation');
  });
});
