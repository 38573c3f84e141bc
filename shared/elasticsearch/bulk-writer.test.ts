// The bounded bulk writer without a cluster: the bulk helper and the refresh are fakes that
// record what they are asked.
import { jest } from '@jest/globals';
import type { Logger } from '../log.js';
import { createBulkWriter, type BulkRequest, type BulkWriterOptions } from './bulk-writer.js';

interface Doc {
  id: string;
}

function writerWith(options: Partial<BulkWriterOptions<Doc>> = {}) {
  const requests: Array<Array<{ create: { _index: string; _id: string } }>> = [];
  const calls: string[] = [];
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }) } as unknown as Logger;
  const writer = createBulkWriter<Doc>({
    bulk: async (request: BulkRequest<Doc>) => {
      calls.push('bulk');
      requests.push(request.datasource.map((doc) => request.onDocument(doc)));
    },
    refresh: async () => void calls.push('refresh'),
    target: (doc) => ({ index: 'things', id: doc.id }),
    describe: (doc) => ({ id: doc.id }),
    logger,
    names: { store: 'things', document: 'thing' },
    ...options,
  });
  return { writer, requests, calls, warnings };
}

const docs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: `d${from + i}` }));

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('queued documents are written together by the timed write, each as a create with its index and id', async () => {
  const { writer, requests } = writerWith();
  for (const doc of docs(3)) writer.add(doc);
  expect(requests).toEqual([]);
  expect(writer.queued).toBe(3);
  await jest.advanceTimersByTimeAsync(1000);
  expect(requests).toEqual([docs(3).map((doc) => ({ create: { _index: 'things', _id: doc.id } }))]);
  expect(writer.queued).toBe(0);
  await writer.close();
});

test('a full batch is written at once, without waiting for the timer', async () => {
  const { writer, requests } = writerWith({ batch: 4 });
  for (const doc of docs(3)) writer.add(doc);
  await jest.advanceTimersByTimeAsync(0);
  expect(requests).toEqual([]);
  writer.add({ id: 'fourth' });
  await jest.advanceTimersByTimeAsync(0);
  expect(requests.map((r) => r.length)).toEqual([4]);
  expect(writer.queued).toBe(0);
  await writer.close();
});

test('beyond the queue bound new documents are dropped, counted and logged', async () => {
  const { writer, requests, warnings } = writerWith({ maxQueue: 2 });
  expect(docs(4).map((doc) => writer.add(doc))).toEqual([true, true, false, false]);
  expect(writer.queued).toBe(2);
  expect(writer.dropped).toBe(2);
  expect(warnings).toEqual([
    { fields: { id: 'd2' }, message: 'things: Elasticsearch queue full, thing dropped' },
    { fields: { id: 'd3' }, message: 'things: Elasticsearch queue full, thing dropped' },
  ]);
  await writer.close();
  expect(requests.flat().map((action) => action.create._id)).toEqual(['d0', 'd1']);
  expect(writer.add({ id: 'again' })).toBe(true); // room again once written
});

test('close writes what is queued and stops the timer', async () => {
  const { writer, requests, calls } = writerWith();
  writer.add({ id: 'last' });
  await writer.close();
  expect(requests.flat().map((action) => action.create._id)).toEqual(['last']);
  expect(calls).toEqual(['bulk']);
  writer.add({ id: 'after close' });
  await jest.advanceTimersByTimeAsync(5000);
  expect(calls).toEqual(['bulk']);
});

test('flush writes what is queued, then refreshes; with nothing queued it only refreshes', async () => {
  const { writer, calls } = writerWith();
  writer.add({ id: 'a' });
  await writer.flush();
  expect(calls).toEqual(['bulk', 'refresh']);
  await writer.flush();
  expect(calls).toEqual(['bulk', 'refresh', 'refresh']);
  await writer.close();
});

test('one write at a time: a batch waits for the write before it', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started: string[][] = [];
  const { writer } = writerWith({
    batch: 1,
    bulk: async (request) => {
      started.push(request.datasource.map((doc) => doc.id));
      if (started.length === 1) await gate;
    },
  });
  writer.add({ id: 'first' });
  await jest.advanceTimersByTimeAsync(0);
  writer.add({ id: 'second' });
  await jest.advanceTimersByTimeAsync(0);
  expect(started).toEqual([['first']]);
  release();
  await writer.close();
  expect(started).toEqual([['first'], ['second']]);
});

test('a failed write is logged, not thrown, and the next write goes ahead', async () => {
  let failures = 1;
  const written: string[] = [];
  const { writer, warnings } = writerWith({
    bulk: async (request) => {
      if (failures-- > 0) throw new Error('connection refused');
      written.push(...request.datasource.map((doc) => doc.id));
    },
  });
  writer.add({ id: 'lost' });
  await expect(writer.flush()).resolves.toBeUndefined();
  expect(warnings).toEqual([{ fields: { err: 'connection refused' }, message: 'things: Elasticsearch bulk write failed' }]);
  writer.add({ id: 'kept' });
  await writer.close();
  expect(written).toEqual(['kept']);
});

test('a document the cluster refuses is logged with its fields and status', async () => {
  const { writer, warnings } = writerWith({
    bulk: async (request) => request.onDrop({ document: request.datasource[0]!, status: 409 }),
  });
  writer.add({ id: 'taken' });
  await writer.close();
  expect(warnings).toEqual([{ fields: { id: 'taken', status: 409 }, message: 'things: thing not stored in Elasticsearch' }]);
});
