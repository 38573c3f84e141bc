import { metricsRegistry } from '../metrics/http-endpoints.js';
import { StorageBulkhead, StorageShedError, StorageTimeoutError, bulkheadStores, storageErrorCondition } from './storage-bulkhead.js';
import type { Stores } from './types.js';

const never = () => new Promise<never>(() => undefined);
const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

async function metric(name: string, store: string): Promise<number> {
  const text = await metricsRegistry.metrics();
  return text.split('\n').filter((l) => l.startsWith(name) && l.includes(`store="${store}"`)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

test('an operation answering in time passes through with its value or its error', async () => {
  const bulkhead = new StorageBulkhead('t-pass', { timeoutMs: 1000, maxConcurrent: 2, maxQueued: 2 });
  await expect(bulkhead.run('get', async () => 42)).resolves.toBe(42);
  await expect(bulkhead.run('get', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  expect(bulkhead.inFlight).toBe(0);
});

test('a late operation rejects with a typed timeout at its deadline, keeps its slot until it settles, and is counted', async () => {
  const bulkhead = new StorageBulkhead('t-late', { timeoutMs: 30, maxConcurrent: 1, maxQueued: 5 });
  // The operation settles only when the test lets it: the timeout must come first, whatever the
  // machine's load (no wall-clock bound to race against).
  let settle!: (v: string) => void;
  let settled = false;
  const late = bulkhead.run('get', () => new Promise<string>((r) => (settle = r)).finally(() => (settled = true)));
  await expect(late).rejects.toBeInstanceOf(StorageTimeoutError);
  expect(settled).toBe(false);
  expect(bulkhead.inFlight).toBe(1);
  expect(await metric('pampero_storage_late_in_flight', 't-late')).toBe(1);
  settle('late');
  await later(10, undefined);
  expect(bulkhead.inFlight).toBe(0);
  expect(await metric('pampero_storage_late_in_flight', 't-late')).toBe(0);
  expect(await metric('pampero_storage_late_settled_total', 't-late')).toBe(1);
  expect(await metric('pampero_storage_timeouts_total', 't-late')).toBe(1);
});

test('operations beyond the concurrency limit wait in order, and time out while waiting when the slots never free', async () => {
  const bulkhead = new StorageBulkhead('t-wait', { timeoutMs: 50, maxConcurrent: 1, maxQueued: 5 });
  const order: number[] = [];
  const first = bulkhead.run('a', () => later(10, 1).then((v) => (order.push(v), v)));
  const second = bulkhead.run('b', () => later(10, 2).then((v) => (order.push(v), v)));
  expect(bulkhead.queued).toBe(1);
  await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
  expect(order).toEqual([1, 2]);

  const stuck = bulkhead.run('stuck', never);
  const waiting = bulkhead.run('waiting', async () => 'never started');
  await expect(stuck).rejects.toBeInstanceOf(StorageTimeoutError);
  await expect(waiting).rejects.toBeInstanceOf(StorageTimeoutError);
  expect(bulkhead.queued).toBe(0);
  expect(await metric('pampero_storage_queue_depth', 't-wait')).toBe(0);
});

test('over the queue bound an operation is shed at once with a typed error, and counted', async () => {
  const bulkhead = new StorageBulkhead('t-shed', { timeoutMs: 60, maxConcurrent: 1, maxQueued: 2 });
  const held = [bulkhead.run('x', never), bulkhead.run('x', never), bulkhead.run('x', never)];
  expect(bulkhead.queued).toBe(2);
  expect(await metric('pampero_storage_queue_depth', 't-shed')).toBe(2);
  const started = Date.now();
  await expect(bulkhead.run('x', never)).rejects.toBeInstanceOf(StorageShedError);
  expect(Date.now() - started).toBeLessThan(20);
  expect(await metric('pampero_storage_shed_total', 't-shed')).toBe(1);
  await Promise.allSettled(held);
});

test('shed and late map to the stanza errors of RFC 6120 §8.3.3; other errors to none', () => {
  expect(storageErrorCondition(new StorageShedError('rosters', 'get'))).toBe('resource-constraint');
  expect(storageErrorCondition(new StorageTimeoutError('rosters', 'get', 1000))).toBe('remote-server-timeout');
  expect(storageErrorCondition(new Error('disk full'))).toBeUndefined();
});

test('each store gets its own bulkhead: a stuck store does not hold another', async () => {
  let release: () => void = () => undefined;
  const stores = {
    accounts: { get: () => new Promise<void>((r) => (release = r)) },
    rosters: { get: async (owner: string) => ({ owner }) },
    close: async () => undefined,
  } as unknown as Stores;
  const guarded = bulkheadStores(stores, { timeoutMs: 1000, maxConcurrent: 1, maxQueued: 0 });
  const stuck = guarded.accounts.get('a@x');
  await expect(guarded.accounts.get('b@x')).rejects.toBeInstanceOf(StorageShedError);
  await expect(guarded.rosters.get('a@x')).resolves.toEqual({ owner: 'a@x' });
  release();
  await stuck;
});

test('operations called at different times each time out at their own deadline, never before it', async () => {
  const bulkhead = new StorageBulkhead('t-deadlines', { timeoutMs: 60, maxConcurrent: 4, maxQueued: 4 });
  const rejectedAt = (p: Promise<unknown>) => p.then(() => Number.NaN, (err: unknown) => (err instanceof StorageTimeoutError ? performance.now() : Number.NaN));
  const firstCalled = performance.now();
  const first = rejectedAt(bulkhead.run('a', never));
  await later(40, undefined);
  const secondCalled = performance.now();
  const second = rejectedAt(bulkhead.run('b', never));
  const quick = bulkhead.run('c', async () => 'quick'); // settles at once, between the two deadlines
  await expect(quick).resolves.toBe('quick');
  const [firstAt, secondAt] = await Promise.all([first, second]);
  expect(firstAt).toBeGreaterThanOrEqual(firstCalled + 59);
  expect(secondAt).toBeGreaterThanOrEqual(secondCalled + 59);
  expect(secondAt).toBeGreaterThan(firstAt);
  expect(bulkhead.inFlight).toBe(2); // late ones keep their slots until they settle (never, here)
});

test('closing the stores sheds queued operations, refuses new ones and waits for running ones before the stores close', async () => {
  const order: string[] = [];
  let finish: () => void = () => undefined;
  const slow = new Promise<void>((resolve) => (finish = resolve));
  const stores = {
    offline: { push: async (id: string) => { order.push(`push ${id} started`); if (id === 'a') await slow; order.push(`push ${id} done`); } },
    close: async () => void order.push('stores closed'),
  } as unknown as Stores;
  const guarded = bulkheadStores(stores, { maxConcurrent: 1, maxQueued: 10, timeoutMs: 5000 }) as unknown as { offline: { push(id: string): Promise<void> }; close(): Promise<void> };
  const running = guarded.offline.push('a');
  const queued = guarded.offline.push('b');
  const closed = guarded.close();
  await expect(queued).rejects.toBeInstanceOf(StorageShedError);
  await expect(guarded.offline.push('c')).rejects.toBeInstanceOf(StorageShedError);
  expect(order).toEqual(['push a started']);
  finish();
  await running;
  await closed;
  expect(order).toEqual(['push a started', 'push a done', 'stores closed']);
});

test('the deadline timer, left armed after an operation settles, still times out one started later at its own deadline', async () => {
  const bulkhead = new StorageBulkhead('t-rearm', { timeoutMs: 60, maxConcurrent: 2, maxQueued: 2 });
  await expect(bulkhead.run('get', async () => 1)).resolves.toBe(1); // arms the timer for t+60 and settles at once
  await later(30, undefined);
  const started = performance.now();
  await expect(bulkhead.run('get', never)).rejects.toBeInstanceOf(StorageTimeoutError);
  // Not at the first operation's deadline (≈ 30 ms from here): at its own, 60 ms after it started.
  expect(performance.now() - started).toBeGreaterThanOrEqual(55);
});

test('a closed bulkhead leaves no timer behind', async () => {
  const bulkhead = new StorageBulkhead('t-close-timer', { timeoutMs: 60_000, maxConcurrent: 1, maxQueued: 1 });
  await bulkhead.run('get', async () => 1);
  await bulkhead.close();
  expect((bulkhead as unknown as { deadlineTimer: unknown }).deadlineTimer).toBeUndefined();
});

test('the deadline timer holds the process open only while an operation is unsettled', async () => {
  const bulkhead = new StorageBulkhead('t-ref', { timeoutMs: 60_000, maxConcurrent: 2, maxQueued: 2 });
  const timer = () => (bulkhead as unknown as { deadlineTimer: NodeJS.Timeout | undefined }).deadlineTimer;
  let settle!: () => void;
  const pending = bulkhead.run('get', () => new Promise<void>((r) => (settle = r)));
  expect(timer()?.hasRef()).toBe(true);
  settle();
  await pending;
  expect(timer()?.hasRef()).toBe(false); // still armed, but an idle store keeps nothing alive
  const again = bulkhead.run('get', () => new Promise<void>((r) => (settle = r)));
  expect(timer()?.hasRef()).toBe(true);
  settle();
  await again;
  await bulkhead.close();
});
