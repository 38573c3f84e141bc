import { metricsRegistry } from '../metrics/http-endpoints.js';
import { instrumentStores } from './instrumented-stores.js';
import type { Stores } from './types.js';

async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name.replace(/_(count|sum)$/, '') || m.name === name);
  const samples = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string>; metricName?: string }>;
  return samples.filter((s) => (s.metricName ?? name) === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((t, s) => t + s.value, 0);
}

function fakeStores(): Stores {
  return {
    accounts: {
      get: async (jid: string) => (jid === 'boom' ? Promise.reject(new Error('disk')) : undefined),
      list: () => { throw new Error('sync failure'); },
    },
    components: { get: async () => ({ domain: 'x', secret: 's', createdAt: 1 }) },
    close: async () => {},
  } as unknown as Stores;
}

test('store operations are timed and their failures counted, by store and operation', async () => {
  const stores = instrumentStores(fakeStores());
  const labels = { store: 'accounts', operation: 'get' };
  const countBefore = await value('pampero_storage_operation_seconds_count', labels);
  const errorsBefore = await value('pampero_storage_errors_total', labels);
  await stores.accounts.get('alice@x');
  await expect(stores.accounts.get('boom')).rejects.toThrow('disk');
  expect(() => stores.accounts.list()).toThrow('sync failure');
  expect(await stores.components.get('x')).toMatchObject({ domain: 'x' });
  expect(await value('pampero_storage_operation_seconds_count', labels)).toBe(countBefore + 2);
  expect(await value('pampero_storage_errors_total', labels)).toBe(errorsBefore + 1);
  expect(await value('pampero_storage_errors_total', { store: 'accounts', operation: 'list' })).toBeGreaterThanOrEqual(1);
  expect(await value('pampero_storage_operations_in_flight', { store: 'accounts' })).toBe(0);
});

test('a wrapped method is the same function on every access, and close is left alone', () => {
  const raw = fakeStores();
  const stores = instrumentStores(raw);
  expect(stores.accounts.get).toBe(stores.accounts.get);
  expect(stores.close).toBe(raw.close);
});
