import { defaultConfig } from '../config/defaults.js';
import { createLogger } from '../log.js';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import type { HealthSnapshot, HealthSnapshotStore } from './health-snapshot.js';
import { startHealthSnapshots, type NodeHealthFacts } from './health-snapshot-writer.js';

const facts = (): NodeHealthFacts => ({ health: 'ok', dependenciesDown: [], sessions: 3, components: ['muc.example.org'] });
const outcome = async (name: string) => (await metricsRegistry.getSingleMetric('pampero_health_snapshots_total')!.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;

function storeThat(record: (s: HealthSnapshot) => Promise<void>): HealthSnapshotStore & { recorded: HealthSnapshot[] } {
  const recorded: HealthSnapshot[] = [];
  return { recorded, record: async (s) => { recorded.push(s); await record(s); }, search: async () => recorded, flush: async () => {}, close: async () => {} };
}

function configEvery(seconds: number) {
  const config = defaultConfig();
  config.healthSnapshots.intervalSeconds = seconds;
  config.cluster.nodeId = 'node-x';
  return config;
}

test('off by default: no writer, nothing written', async () => {
  const store = storeThat(async () => {});
  expect(await startHealthSnapshots({ config: defaultConfig(), accountData: {} as never, logger: createLogger('silent'), facts, store })).toBeUndefined();
  expect(store.recorded).toEqual([]);
});

test('a role without an embedded store (muc, pubsub, roster) writes snapshots only to Elasticsearch', async () => {
  expect(await startHealthSnapshots({ config: configEvery(5), logger: createLogger('silent'), facts })).toBeUndefined();
});

test('the first snapshot is written at start with the node\'s identity, facts and load', async () => {
  const store = storeThat(async () => {});
  const writer = (await startHealthSnapshots({ config: configEvery(60), accountData: {} as never, logger: createLogger('silent'), facts, store }))!;
  await writer.stop();
  expect(store.recorded).toHaveLength(1);
  expect(store.recorded[0]).toMatchObject({ node: 'node-x', role: 'all', health: 'ok', sessions: 3, components: ['muc.example.org'], pid: process.pid });
  expect(store.recorded[0]!.rssBytes).toBeGreaterThan(0);
});

test('one write at a time: a snapshot due while the store is still writing is skipped and counted; a failed write is counted', async () => {
  let release!: () => void;
  let calls = 0;
  const store = storeThat(() => (++calls === 2 ? new Promise<void>((resolve) => (release = resolve)) : calls === 3 ? Promise.reject(new Error('store down')) : Promise.resolve()));
  const writer = (await startHealthSnapshots({ config: configEvery(60), accountData: {} as never, logger: createLogger('silent'), facts, store }))!;
  const [skipped, failed] = [await outcome('skipped'), await outcome('failed')];
  const slow = writer.writeNow();
  await writer.writeNow(); // the slow write is still running
  expect(await outcome('skipped')).toBe(skipped + 1);
  release();
  await slow;
  await writer.writeNow();
  expect(await outcome('failed')).toBe(failed + 1);
  expect(store.recorded).toHaveLength(3);
  await writer.stop();
});
