// The Redis session directory against a real redis-server.
import { SessionRegistry } from './session-registry.js';
import { describeWithRedis, useRedisConnection } from '../../test/support/redis-hooks.js';

describeWithRedis('session registry (real redis-server)', () => {
  const db = useRedisConnection();
  let registry: SessionRegistry;

  beforeAll(() => {
    registry = new SessionRegistry(db.redis);
  });

  test('resources of one user on different nodes are found with one lookup', async () => {
    await registry.put('alice@d/phone', { nodeId: 'gw-1', sessionId: 's1', available: true, priority: 5 });
    await registry.put('alice@d/laptop', { nodeId: 'gw-2', sessionId: 's2', available: false, priority: 0 });
    const found = (await registry.resourcesOf('alice@d')).sort((a, b) => a.resource.localeCompare(b.resource));
    expect(found).toEqual([
      { resource: 'laptop', nodeId: 'gw-2', sessionId: 's2', available: false, priority: 0 },
      { resource: 'phone', nodeId: 'gw-1', sessionId: 's1', available: true, priority: 5 },
    ]);
    expect(await registry.get('alice@d/phone')).toMatchObject({ nodeId: 'gw-1' });
    expect(await registry.resourcesOf('bob@d')).toEqual([]);
  });

  test('a resource with a slash in it is kept whole', async () => {
    await registry.put('alice@d/a/b', { nodeId: 'gw-1', sessionId: 's1', available: true, priority: 0 });
    expect((await registry.resourcesOf('alice@d'))[0]!.resource).toBe('a/b');
  });

  test('an old session cannot remove the entry a newer login of the same resource wrote', async () => {
    await registry.put('alice@d/phone', { nodeId: 'gw-1', sessionId: 'old', available: true, priority: 0 });
    await registry.put('alice@d/phone', { nodeId: 'gw-2', sessionId: 'new', available: true, priority: 0 });
    expect(await registry.remove('alice@d/phone', 'gw-1', 'old')).toBe(false);
    expect(await registry.get('alice@d/phone')).toMatchObject({ nodeId: 'gw-2', sessionId: 'new' });
    expect(await registry.remove('alice@d/phone', 'gw-2', 'new')).toBe(true);
    expect(await registry.get('alice@d/phone')).toBeUndefined();
  });

  test("reaping a dead node removes exactly its entries and names them", async () => {
    for (let i = 0; i < 1200; i++) await registry.put(`u${i}@d/r`, { nodeId: 'dead', sessionId: `s${i}`, available: true, priority: 0 });
    await registry.put('alive@d/r', { nodeId: 'gw-2', sessionId: 'x', available: true, priority: 0 });
    await registry.put('u0@d/r', { nodeId: 'gw-2', sessionId: 'moved', available: true, priority: 0 }); // logged in again elsewhere
    const reaped = await registry.reapNode('dead');
    expect(reaped).toHaveLength(1199);
    expect(reaped).not.toContain('u0@d/r');
    expect(await registry.get('u0@d/r')).toMatchObject({ nodeId: 'gw-2' });
    expect(await registry.get('alive@d/r')).toMatchObject({ nodeId: 'gw-2' });
    expect(await registry.get('u5@d/r')).toBeUndefined();
    expect(await registry.reapNode('dead')).toEqual([]);
  });
});
