// The archive's index written after the messages (archive-store.ts, INDEX_SPREAD): each batch
// indexes a share of the owners with entries waiting, those waiting longest first; a read of an
// owner indexes its entries first; an idle store indexes the rest; flush (at close) writes all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { ArchiveIdGenerator } from '../archive-id.js';
import { createLmdbArchiveStore, INDEX_IDLE_MS, INDEX_SPREAD, LMDB_ARCHIVE_DATABASES, type LmdbArchiveStore } from './archive-store.js';
import { openLmdbEnv } from './lmdb-env.js';

let dir: string;
let env: RootDatabase;
let store: LmdbArchiveStore;
const ids = new ArchiveIdGenerator(3);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-index-spread-'));
  env = openLmdbEnv(dir);
  store = createLmdbArchiveStore(env);
});

afterEach(async () => {
  await store.flush();
  await env.close();
  await rm(dir, { recursive: true, force: true });
});

/** One entry for each owner, in this order (one batch). */
const oneEach = (owners: string[]) => owners.map((owner, n) => ({ owner, id: ids.nextId(), with: 'peer@x/r', xml: `<message><body>${owner} ${n}</body></message>` }));
/** The owners whose index (chunks) is written, read from the database itself. */
const indexed = () => new Set([...env.openDB<string[], [string, string]>(LMDB_ARCHIVE_DATABASES.chunks, {}).getKeys()].map((key) => key[0]));
const owners = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}@x`);

test('a batch indexes 1/INDEX_SPREAD of the owners with entries waiting, those waiting longest first', async () => {
  expect(INDEX_SPREAD).toBe(3);
  const [o0, o1, o2, o3, o4, o5, o6] = owners('o', 7);
  await store.append(oneEach([o0, o1, o2, o3, o4, o5]));
  expect(indexed()).toEqual(new Set([o0, o1])); // 2 of 6 waiting
  await store.append(oneEach([o6, o5]));
  expect(indexed()).toEqual(new Set([o0, o1, o2, o3])); // 2 of 5 waiting (o5 keeps its place)
  await store.append(oneEach([o0]));
  expect(indexed()).toEqual(new Set([o0, o1, o2, o3, o4, o5])); // 2 of 4: o4 and o5; o6 and the new o0 wait
});

test('a read of an owner indexes its waiting entries first: what an append resolved is found at once', async () => {
  const [a, b, c, d, e, f] = owners('r', 6);
  const batch = oneEach([a, b, c, d, e, f]);
  await store.append(batch);
  expect(indexed().has(f)).toBe(false);
  expect((await store.query(f, {}, { max: 10 })).entries.map((x) => x.id)).toEqual([batch[5].id]);
  expect(await store.missing(e, [batch[4].id, 'ffffffffffffffff'])).toEqual(['ffffffffffffffff']);
  expect(await store.bounds(d)).toEqual({ first: batch[3].id, last: batch[3].id });
  expect(indexed()).toEqual(new Set([a, b, d, e, f]));
  await store.clear(c); // its waiting entry goes too
  expect((await store.query(c, {}, { max: 10 })).entries).toEqual([]);
});

test('when appends stop, the waiting entries are indexed after INDEX_IDLE_MS', async () => {
  const waiting = owners('i', 6);
  await store.append(oneEach(waiting));
  expect(indexed().size).toBe(2);
  await new Promise((resolve) => setTimeout(resolve, INDEX_IDLE_MS + 300));
  expect(indexed()).toEqual(new Set(waiting));
});

test('flush writes every waiting index entry: a reopened environment finds them', async () => {
  const waiting = owners('f', 6);
  const batch = oneEach(waiting);
  await store.append(batch);
  await store.flush();
  await env.close();
  env = openLmdbEnv(dir);
  store = createLmdbArchiveStore(env);
  expect(indexed()).toEqual(new Set(waiting));
  for (const [i, owner] of waiting.entries()) expect((await store.query(owner, {}, { max: 10 })).entries.map((x) => x.xml)).toEqual([batch[i].xml]);
});

test('with indexSpread 1 (room archives) every entry is indexed with its batch', async () => {
  const rooms = createLmdbArchiveStore(env, { indexSpread: 1 });
  const waiting = owners('room', 6);
  await rooms.append(oneEach(waiting));
  expect(indexed()).toEqual(new Set(waiting));
});
