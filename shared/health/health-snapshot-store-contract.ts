// The behaviour every health-snapshot store shares; each implementation's test file runs it.
import type { HealthSnapshot, HealthSnapshotStore } from './health-snapshot.js';

export function snapshotOf(node: string, at: Date, patch: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    at: at.toISOString(), node, role: 'gateway', version: '0.1.0', host: 'host-1', pid: 4242, health: 'ok', dependenciesDown: [],
    uptimeSeconds: 120, sessions: 17, components: [], rssBytes: 123_456_789, heapUsedBytes: 45_678_901, cpuPercent: 12.5, eventLoopLagMs: 0.7,
    ...patch,
  };
}

export function healthSnapshotStoreContract(open: () => Promise<HealthSnapshotStore>): void {
  let store: HealthSnapshotStore;
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const node = (name: string) => `${name}-${run}`;

  beforeAll(async () => {
    store = await open();
  });

  afterAll(async () => {
    await store?.close();
  });

  test('a recorded snapshot is found again with every fact of the heartbeat', async () => {
    const snapshot = snapshotOf(node('router'), new Date(), { role: 'router', health: 'degraded', dependenciesDown: ['redis'], components: ['muc.example.org', 'pubsub.example.org'] });
    await store.record(snapshot);
    await store.flush();
    expect(await store.search({ node: node('router') })).toEqual([snapshot]);
    expect(await store.search({ node: node('nobody') })).toEqual([]);
  });

  test('search is newest first, filters by node and time, and honours the limit', async () => {
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
    for (const [name, minutesAgo, sessions] of [['gw-1', 90, 1], ['gw-2', 30, 2], ['gw-1', 20, 3], ['gw-1', 1, 4]] as const) {
      await store.record(snapshotOf(node(name), at(minutesAgo), { sessions }));
    }
    await store.flush();
    expect((await store.search({ node: node('gw-1') })).map((s) => s.sessions)).toEqual([4, 3, 1]);
    expect((await store.search({ node: node('gw-1'), since: at(60) })).map((s) => s.sessions)).toEqual([4, 3]);
    expect((await store.search({ node: node('gw-1'), limit: 1 })).map((s) => s.sessions)).toEqual([4]);
    const both = (await store.search({ since: at(45) })).filter((s) => s.node.endsWith(run) && s.node.startsWith('gw-'));
    expect(both.map((s) => [s.node, s.sessions])).toEqual([[node('gw-1'), 4], [node('gw-1'), 3], [node('gw-2'), 2]]);
  });
}
