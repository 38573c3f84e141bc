// Heartbeats and the cluster view against a real redis-server.
import { createLogger } from '../log.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { formatClusterView, readClusterView } from './cluster-view.js';
import { clusterKeys } from './keys.js';
import { describeWithRedis, useRedisConnection } from '../../test/support/redis-hooks.js';

const logger = createLogger('silent');

describeWithRedis('cluster view (real redis-server)', () => {
  const db = useRedisConnection();

  function heartbeat(id: string, role: string, sessions?: number): NodeHeartbeat {
    return new NodeHeartbeat({
      redis: db.redis,
      identity: { id, role, version: '1.2.3', listening: [`c2s 127.0.0.1:${5222}`] },
      load: () => ({ health: 'ok', sessions, components: role === 'router' ? ['muc.example'] : undefined }),
      intervalMs: 1000,
      logger,
    });
  }

  test('a started node shows up at once with its role, version, load and components', async () => {
    const gateway = heartbeat('gw-1', 'gateway', 42);
    const router = heartbeat('rt-1', 'router');
    await gateway.start();
    await router.start();
    const nodes = await readClusterView(db.redis);
    expect(nodes.map((n) => [n.id, n.role, n.version, n.up])).toEqual([
      ['gw-1', 'gateway', '1.2.3', true],
      ['rt-1', 'router', '1.2.3', true],
    ]);
    expect(nodes[0]!.sessions).toBe(42);
    expect(nodes[0]!.rssBytes).toBeGreaterThan(1_000_000);
    expect(nodes[1]!.components).toEqual(['muc.example']);
    const lines = formatClusterView(nodes);
    expect(lines[0]).toMatch(/^NODE\s+ROLE\s+VERSION\s+HEALTH/);
    expect(lines[1]).toMatch(/^gw-1\s+gateway\s+1\.2\.3\s+ok/);
    await gateway.stop();
    await router.stop();
  });

  test('a node that stops cleanly leaves the view at once', async () => {
    const gateway = heartbeat('gw-1', 'gateway');
    await gateway.start();
    await gateway.stop();
    expect(await readClusterView(db.redis)).toEqual([]);
  });

  test('a node that stops beating is shown as down after the down threshold', async () => {
    const gateway = heartbeat('gw-1', 'gateway');
    await gateway.start();
    clearInterval((gateway as unknown as { timer: NodeJS.Timeout }).timer); // "killed": no stop()
    const later = Date.now() + 7000;
    const [node] = await readClusterView(db.redis, { now: later, downAfterMs: 6000 });
    expect(node!.up).toBe(false);
    expect(formatClusterView([node!])[1]).toMatch(/DOWN/);
    expect(await db.redis.pttl(clusterKeys.node('gw-1'))).toBeGreaterThan(0); // expires by itself
    await gateway.stop();
  });

  test('entries silent for longer than the forget threshold are removed from the index', async () => {
    await db.redis.zadd(clusterKeys.nodeIndex, Date.now() - 20 * 60_000, 'ghost');
    expect(await readClusterView(db.redis)).toEqual([]);
    expect(await db.redis.zcard(clusterKeys.nodeIndex)).toBe(0);
  });
});
