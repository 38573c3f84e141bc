// The archive's write queue and retention, on a fake store: bounded, batched, never blocking.
import { pino } from 'pino';
import type { ArchiveEntry, ArchiveStore } from '../../storage/types.js';
import { metricsRegistry } from '../../metrics/http-endpoints.js';
import { ArchiveWriter, SETTLE_CONCURRENCY } from './archive-writer.js';
import { ArchiveRetention } from './archive-retention.js';
import { DEFAULT_CONFIG } from '../../config/defaults.js';
import { USER_ARCHIVE_BATCH, USER_ARCHIVE_FLUSH_DELAY_MS } from './message-archive.js';

const log = pino({ level: 'silent' });
function fakeStore(appendGate?: Promise<void>) {
  const batches: Array<Array<ArchiveEntry & { owner: string }>> = [];
  const removeCalls: Array<[number, number]> = [];
  const store = {
    append: async (entries: ReadonlyArray<ArchiveEntry & { owner: string }>) => {
      await appendGate;
      batches.push([...entries]);
    },
    removeBefore: async (time: number, limit: number) => {
      removeCalls.push([time, limit]);
      return 3;
    },
  } as unknown as ArchiveStore;
  return { store, batches, removeCalls };
}
const entry = (n: number, check?: () => Promise<boolean>) => ({ owner: 'a@x', id: n.toString(16).padStart(16, '0'), with: 'b@x', xml: `<m n="${n}"/>`, check });
const dropped = async () => (await metricsRegistry.getSingleMetric('pampero_archive_messages_dropped_total')!.get()).values.find((v) => v.labels.reason === 'queue_full')?.value ?? 0;

test('writes queued entries in batches, in order, and drain waits for them', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 100, batchSize: 2, log });
  for (let n = 1; n <= 5; n++) expect(writer.enqueue(entry(n))).toBe(true);
  expect(batches).toHaveLength(0); // nothing is written in the routing turn
  await writer.drain();
  expect(batches.map((b) => b.map((e) => e.xml))).toEqual([['<m n="1"/>', '<m n="2"/>'], ['<m n="3"/>', '<m n="4"/>'], ['<m n="5"/>']]);
  // The store gets the queued entries themselves (no copy per entry), whatever else they carry.
  expect(batches[0][0]).toMatchObject({ owner: 'a@x', id: '0000000000000001', with: 'b@x', xml: '<m n="1"/>' });
});

test('an entry whose JIDs are too long for the stores\' keys is dropped and counted as too_long; the others are written', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 100, log });
  const tooLong = async () => (await metricsRegistry.getSingleMetric('pampero_archive_messages_dropped_total')!.get()).values.find((v) => v.labels.reason === 'too_long')?.value ?? 0;
  const before = await tooLong();
  expect(writer.enqueue(entry(1))).toBe(true);
  expect(writer.enqueue({ ...entry(2), with: `${'x'.repeat(1023)}@${'d'.repeat(1000)}/r` })).toBe(false);
  expect(writer.enqueue(entry(3))).toBe(true);
  await writer.drain();
  expect(batches.flat().map((e) => e.xml)).toEqual(['<m n="1"/>', '<m n="3"/>']);
  expect((await tooLong()) - before).toBe(1);
});

test('a full queue drops new entries and counts them, while the store is stalled', async () => {
  let release!: () => void;
  const { store, batches } = fakeStore(new Promise<void>((r) => (release = r)));
  const writer = new ArchiveWriter(store, { maxQueue: 2, batchSize: 1, log });
  const before = await dropped();
  expect(writer.enqueue(entry(1))).toBe(true);
  await new Promise((r) => setImmediate(r)); // entry 1 is now being written (stalled)
  expect(writer.enqueue(entry(2))).toBe(true);
  expect(writer.enqueue(entry(3))).toBe(true);
  expect(writer.enqueue(entry(4))).toBe(false);
  expect((await dropped()) - before).toBe(1);
  release();
  await writer.drain();
  expect(batches.flat().map((e) => e.xml)).toEqual(['<m n="1"/>', '<m n="2"/>', '<m n="3"/>']);
});

test('with the default bounds, a store stalled for a second under 16,000 chat messages a second loses nothing', async () => {
  // The first commits after a start are slow (cold code, a growing file): with maxQueue 10,000 a
  // start under this load dropped entries (docs/benchmarks.md, fifteenth session).
  let release!: () => void;
  const { store, batches } = fakeStore(new Promise<void>((resolve) => (release = resolve)));
  const { maxQueue, maxQueueBytes } = DEFAULT_CONFIG.archive;
  const writer = new ArchiveWriter(store, { maxQueue, maxQueueBytes, batchSize: USER_ARCHIVE_BATCH, flushDelayMs: USER_ARCHIVE_FLUSH_DELAY_MS, log });
  const before = await dropped();
  const body = 'x'.repeat(150); // messages of about 250 characters, like short chat lines
  const perSecond = 16_000 * 2; // the recipient's entry and the sender's
  for (let n = 0; n < perSecond; n++) {
    const e = { owner: `load${n % 1000}@bench.local`, id: n.toString(16).padStart(16, '0'), with: `load${(n + 1) % 1000}@bench.local/r`, xml: `<message to="load${n % 1000}@bench.local" type="chat" id="m${n}"><body>${body}</body></message>` };
    expect(writer.enqueue(e)).toBe(true);
  }
  release();
  await writer.drain();
  expect(await dropped()).toBe(before);
  expect(batches.reduce((sum, b) => sum + b.length, 0)).toBe(perSecond);
});

test('the queue is bounded in bytes too: big messages beyond maxQueueBytes are dropped and counted', async () => {
  let release!: () => void;
  const { store, batches } = fakeStore(new Promise<void>((r) => (release = r)));
  const writer = new ArchiveWriter(store, { maxQueue: 1000, maxQueueBytes: 2500, batchSize: 1, log });
  const big = (n: number) => ({ ...entry(n), xml: `<m>${'x'.repeat(1000)}</m>` });
  const before = await dropped();
  expect(writer.enqueue(big(1))).toBe(true);
  expect(writer.enqueue(big(2))).toBe(true);
  expect(writer.enqueue(big(3))).toBe(false); // 3 × 1007 bytes > 2500
  expect(await dropped()).toBe(before + 1);
  release();
  await writer.drain();
  expect(batches).toHaveLength(2);
  expect(writer.enqueue(big(4))).toBe(true); // written entries free their bytes
  await writer.drain();
});

test('entries queued within the flush delay are written together in one store call', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 100, flushDelayMs: 30, log });
  writer.enqueue(entry(1));
  await new Promise((r) => setTimeout(r, 5)); // a later routing turn, still within the delay
  writer.enqueue(entry(2));
  expect(batches).toHaveLength(0);
  await new Promise((r) => setTimeout(r, 200));
  expect(batches.map((b) => b.map((e) => e.xml))).toEqual([['<m n="1"/>', '<m n="2"/>']]);
});

test('a full batch is written without waiting for the flush delay', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 100, batchSize: 3, flushDelayMs: 60_000, log });
  for (let n = 1; n <= 3; n++) writer.enqueue(entry(n));
  await new Promise((r) => setTimeout(r, 50));
  expect(batches.map((b) => b.length)).toEqual([3]);
});

test('drain writes what is queued at once instead of waiting for the flush delay', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 100, flushDelayMs: 60_000, log });
  writer.enqueue(entry(1));
  const started = Date.now();
  await writer.drain();
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(batches.flat().map((e) => e.xml)).toEqual(['<m n="1"/>']);
  await writer.drain(); // nothing queued: resolves at once
});

test('drain waits only for what was queued before it, not for entries queued later', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const batches: string[][] = [];
  const store = { append: async (entries: ReadonlyArray<ArchiveEntry>) => {
    if (batches.length === 0) await gate; // the first batch stalls
    batches.push(entries.map((e) => e.xml));
  } } as unknown as ArchiveStore;
  const writer = new ArchiveWriter(store, { maxQueue: 100, flushDelayMs: 60_000, log });
  writer.enqueue(entry(1));
  const first = writer.drain();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r)); // entry 1 is being written (stalled)
  writer.enqueue(entry(2));
  release();
  await first;
  expect(batches).toEqual([['<m n="1"/>']]); // entry 2 waits for its own batch
  await writer.drain();
  expect(batches).toEqual([['<m n="1"/>'], ['<m n="2"/>']]);
});

test('the checks of a big batch run a bounded number at a time', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 1000, log });
  let running = 0;
  let peak = 0;
  const check = async () => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setImmediate(r));
    running -= 1;
    return true;
  };
  for (let n = 1; n <= 200; n++) writer.enqueue(entry(n, check));
  await writer.drain();
  expect(batches.flat()).toHaveLength(200);
  expect(peak).toBeLessThanOrEqual(SETTLE_CONCURRENCY);
  expect(peak).toBeGreaterThan(1);
});

test('entries whose check fails (preferences, unknown account) are not written', async () => {
  const { store, batches } = fakeStore();
  const writer = new ArchiveWriter(store, { maxQueue: 10, log });
  writer.enqueue(entry(1, async () => false));
  writer.enqueue(entry(2, async () => true));
  writer.enqueue(entry(3));
  await writer.drain();
  expect(batches.flat().map((e) => e.xml)).toEqual(['<m n="2"/>', '<m n="3"/>']);
});

test('retention removes entries older than retentionDays, at most purgeBatch per run; 0 days keeps everything', async () => {
  const { store, removeCalls } = fakeStore();
  const now = Date.UTC(2026, 5, 1);
  const retention = new ArchiveRetention(store, { retentionDays: 30, purgeIntervalSeconds: 60, purgeBatch: 500 }, log, () => now);
  expect(await retention.purgeOnce()).toBe(3);
  expect(removeCalls).toEqual([[now - 30 * 86_400_000, 500]]);
  const keepForever = new ArchiveRetention(store, { retentionDays: 0, purgeIntervalSeconds: 60, purgeBatch: 500 }, log, () => now);
  expect(await keepForever.purgeOnce()).toBe(0);
  expect(removeCalls).toHaveLength(1);
});

test('a write slower than the flush delay is followed at once by the next batch', async () => {
  const starts: number[] = [];
  const ends: number[] = [];
  const store = { append: async () => {
    starts.push(Date.now());
    await new Promise((r) => setTimeout(r, 1500)); // slower than the delay
    ends.push(Date.now());
  } } as unknown as ArchiveStore;
  const writer = new ArchiveWriter(store, { maxQueue: 100, flushDelayMs: 1000, log });
  writer.enqueue(entry(1));
  while (starts.length < 1) await new Promise((r) => setTimeout(r, 10));
  writer.enqueue(entry(2)); // queued while the first batch is written
  while (starts.length < 2) await new Promise((r) => setTimeout(r, 10));
  // Waiting the delay again after the slow write would start it ≥ 1000 ms after the first ended.
  expect(starts[1] - ends[0]).toBeLessThan(700);
  await writer.drain();
});

test('onWritten is asked at each batch and told the entries stored; answering nobody is fine', async () => {
  const { store } = fakeStore();
  const told: string[][] = [];
  let listening = true;
  const writer = new ArchiveWriter(store, { maxQueue: 100, batchSize: 2, log, onWritten: () => (listening ? (entries) => told.push(entries.map((e) => e.xml)) : undefined) });
  writer.enqueue(entry(1));
  writer.enqueue(entry(2));
  await writer.drain();
  listening = false;
  writer.enqueue(entry(3));
  await writer.drain();
  expect(told).toEqual([['<m n="1"/>', '<m n="2"/>']]);
});

test('a store that throws instead of rejecting loses that batch only, counted', async () => {
  const batches: string[][] = [];
  let calls = 0;
  const store = {
    append: (entries: ReadonlyArray<ArchiveEntry & { owner: string }>) => {
      if (++calls === 1) throw new Error('closed');
      batches.push(entries.map((e) => e.xml));
      return Promise.resolve();
    },
  } as unknown as ArchiveStore;
  const writer = new ArchiveWriter(store, { maxQueue: 100, batchSize: 1, log });
  const failed = async () => (await metricsRegistry.getSingleMetric('pampero_archive_messages_dropped_total')!.get()).values.find((v) => v.labels.reason === 'store_error')?.value ?? 0;
  const before = await failed();
  writer.enqueue(entry(1));
  writer.enqueue(entry(2));
  await writer.drain();
  expect(batches).toEqual([['<m n="2"/>']]);
  expect((await failed()) - before).toBe(1);
});

test('the next batch goes to the store while the previous one commits (two at most), and a drain waits for both in queue order', async () => {
  const calls: Array<{ xml: string; done: () => void }> = [];
  const store = {
    append: (entries: ReadonlyArray<ArchiveEntry & { owner: string }>) => new Promise<void>((resolve) => calls.push({ xml: entries[0].xml, done: resolve })),
  } as unknown as ArchiveStore;
  const writer = new ArchiveWriter(store, { maxQueue: 100, batchSize: 1, log });
  for (let n = 1; n <= 3; n++) writer.enqueue(entry(n));
  let drained = false;
  const drain = writer.drain().then(() => (drained = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(calls.map((c) => c.xml)).toEqual(['<m n="1"/>', '<m n="2"/>']); // the third waits for a slot
  calls[1].done(); // the second commits first
  await new Promise((r) => setTimeout(r, 20));
  expect(drained).toBe(false);
  expect(calls).toHaveLength(2); // the oldest batch (1) still holds its slot
  calls[0].done();
  await new Promise((r) => setTimeout(r, 20));
  expect(calls.map((c) => c.xml)).toEqual(['<m n="1"/>', '<m n="2"/>', '<m n="3"/>']);
  expect(drained).toBe(false);
  calls[2].done();
  await drain;
  expect(drained).toBe(true);
});
