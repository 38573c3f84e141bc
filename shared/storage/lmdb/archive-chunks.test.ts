// The chunked archive index (archive-chunks.ts): one record per owner and batch, read back in id
// order even when two writers' chunks overlap, beside entries of the earlier one-record-per-entry
// layout, with single entries removed from the middle of a chunk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RootDatabase } from 'lmdb';
import { ArchiveIdGenerator, archiveIdTime } from '../archive-id.js';
import type { ArchiveEntry, ArchiveStore } from '../types.js';
import { CHUNK_SPAN_MS, chunksOf } from './archive-chunks.js';
import { createLmdbArchiveStore, LMDB_ARCHIVE_DATABASES } from './archive-store.js';
import { openLmdbEnv } from './lmdb-env.js';

let dir: string;
let env: RootDatabase;
let store: ArchiveStore;
let clock = Date.UTC(2026, 10, 27, 12, 0, 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-chunks-'));
  env = openLmdbEnv(dir);
  store = createLmdbArchiveStore(env);
});

afterAll(async () => {
  await env.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (ids: ArchiveIdGenerator, n: number, peer = 'bob@x/r'): ArchiveEntry => ({ id: ids.next().id, with: peer, xml: `<message><body>${n}</body></message>` });
/** `count` entries `stepMs` apart on the shared clock, bodies numbered from `firstBody`. */
const spaced = (ids: ArchiveIdGenerator, count: number, stepMs: number, firstBody = 0, peerOf = (_i: number) => 'bob@x/r'): ArchiveEntry[] =>
  Array.from({ length: count }, (_, i) => {
    clock += stepMs;
    return entry(ids, firstBody + i, peerOf(i));
  });
const bodies = (entries: ArchiveEntry[]) => entries.map((e) => Number(/<body>(\d+)</.exec(e.xml)?.[1]));
const all = async (owner: string) => (await store.query(owner, {}, { max: 1000 })).entries;

test('a batch is split into chunks that span at most CHUNK_SPAN_MS, each sorted by id', () => {
  const ids = new ArchiveIdGenerator(1, () => clock);
  const made: string[] = [];
  for (let i = 0; i < 6; i++) {
    clock += 400;
    made.push(ids.next().id);
  }
  // Out of order as a batch may hold them (an entry whose check settled late).
  const triples = [made[1], 'w', '', made[0], 'w', '', ...made.slice(2).flatMap((id) => [id, 'w', 'first@x'])];
  const chunks = chunksOf(triples);
  const keys = chunks.map(([key]) => key);
  expect(keys[0]).toBe(made[0]);
  for (const [key, chunk] of chunks) {
    const chunkIds = chunk.filter((_, i) => i % 3 === 0);
    expect(chunkIds[0]).toBe(key);
    expect([...chunkIds].sort()).toEqual(chunkIds);
    expect(archiveIdTime(chunkIds[chunkIds.length - 1]) - archiveIdTime(key)).toBeLessThanOrEqual(CHUNK_SPAN_MS);
  }
  expect(chunks.flatMap(([, chunk]) => chunk.filter((_, i) => i % 3 === 0))).toEqual(made);
});

test('two writers whose chunks overlap (a fleet on one directory): pages come out in id order both ways', async () => {
  const owner = 'overlap@x';
  const [a, b] = [new ArchiveIdGenerator(2, () => clock), new ArchiveIdGenerator(3, () => clock)];
  const fromA: ArchiveEntry[] = [];
  const fromB: ArchiveEntry[] = [];
  for (let i = 0; i < 20; i++) {
    clock += 30;
    (i % 2 === 0 ? fromA : fromB).push(entry(i % 2 === 0 ? a : b, i));
  }
  // Each writer's batch covers the whole time: the two chunks interleave.
  await store.append(fromA.map((e) => ({ ...e, owner })));
  await store.append(fromB.map((e) => ({ ...e, owner })));
  expect(bodies(await all(owner))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  const latest = await store.query(owner, {}, { max: 5, before: '' });
  expect(bodies(latest.entries)).toEqual([15, 16, 17, 18, 19]);
  const older = await store.query(owner, {}, { max: 5, before: latest.entries[0].id });
  expect(bodies(older.entries)).toEqual([10, 11, 12, 13, 14]);
  const after = await store.query(owner, {}, { max: 3, after: older.entries[4].id });
  expect(bodies(after.entries)).toEqual([15, 16, 17]);
  expect(await store.bounds(owner)).toEqual({ first: fromA[0].id, last: fromB[9].id });
});

test('an entry appended again is kept once, and the rest of its chunk stays', async () => {
  const owner = 'again@x';
  const ids = new ArchiveIdGenerator(4, () => clock);
  const made = spaced(ids, 4, 10);
  await store.append(made.map((e) => ({ ...e, owner })));
  await store.append([{ ...made[0], owner }]);
  expect(bodies(await all(owner))).toEqual([0, 1, 2, 3]);
});

test('a batch whose chunk key is already taken (its first entry appended again) keeps its new entries too', async () => {
  const owner = 'again-and-new@x';
  const ids = new ArchiveIdGenerator(6, () => clock);
  const made = spaced(ids, 3, 10);
  await store.append([{ ...made[0], owner }]);
  await store.append(made.map((e) => ({ ...e, owner }))); // same first id: the same chunk key
  expect(bodies(await all(owner))).toEqual([0, 1, 2]);
});

test('retention removing several entries of one chunk in one transaction keeps exactly the rest', async () => {
  const owner = 'purged@x';
  const ids = new ArchiveIdGenerator(6, () => clock);
  clock += 10 * CHUNK_SPAN_MS; // later than every entry of the other tests: retention below reaches only theirs and these
  const made = spaced(ids, 4, 100);
  await store.append(made.map((e) => ({ ...e, owner })));
  await store.removeBefore(archiveIdTime(made[2].id), 1000);
  expect(bodies(await all(owner))).toEqual([2, 3]);
  expect(await store.missing(owner, made.map((e) => e.id))).toEqual([made[0].id, made[1].id]);
});

test('entries of the earlier one-record-per-entry layout are read, paged, found and removed beside chunks', async () => {
  const owner = 'upgraded@x';
  const ids = new ArchiveIdGenerator(5, () => clock);
  const legacy = spaced(ids, 3, 1000);
  // As the previous release wrote them: [owner, id] → with, the message in archive-messages.
  const records = env.openDB<string, [string, string]>(LMDB_ARCHIVE_DATABASES.entries, {});
  const messages = env.openDB<{ x: string; o: string[] }, [string, string]>(LMDB_ARCHIVE_DATABASES.messages, {});
  await env.transaction(() => {
    for (const e of legacy) {
      void records.put([owner, e.id], e.with);
      void messages.put([e.id, owner], { x: e.xml, o: [owner] });
    }
  });
  const current = spaced(ids, 3, 1000, 3, (i) => (i === 1 ? 'carol@x' : 'bob@x/r'));
  await store.append(current.map((e) => ({ ...e, owner })));

  expect(bodies(await all(owner))).toEqual([0, 1, 2, 3, 4, 5]);
  expect(bodies((await store.query(owner, {}, { max: 4, before: '' })).entries)).toEqual([2, 3, 4, 5]);
  expect(bodies((await store.query(owner, { with: 'bob@x' }, { max: 10 })).entries)).toEqual([0, 1, 2, 3, 5]);
  expect(bodies((await store.query(owner, { ids: [legacy[1].id, current[2].id] }, { max: 10 })).entries)).toEqual([1, 5]);
  expect(await store.missing(owner, [legacy[0].id, current[0].id, '0000000000000001'])).toEqual(['0000000000000001']);
  expect(await store.bounds(owner)).toEqual({ first: legacy[0].id, last: current[2].id });

  // Retention up to the second current entry: all the legacy ones and one from a chunk.
  const removed = await store.removeBefore(archiveIdTime(current[1].id), 100);
  expect(removed).toBeGreaterThanOrEqual(4);
  expect(bodies(await all(owner))).toEqual([4, 5]);
  await store.clear(owner);
  expect(await all(owner)).toEqual([]);
  expect(await store.bounds(owner)).toBeUndefined();
});

test('one batch across midnight, peers alternating and resources changing: a with query finds every entry on both days', async () => {
  const owner = 'midnight@x';
  const ids = new ArchiveIdGenerator(5, () => clock);
  clock = Date.UTC(2026, 10, 27, 23, 59, 59, 990);
  // The with-days index is written once per peer and day of an owner's batch, not per entry.
  const peers = ['bob@x/phone', 'carol@x/r', 'bob@x/laptop', 'carol@x/r'];
  const made = spaced(ids, 8, 5, 0, (i) => peers[i % peers.length]);
  expect(new Date(archiveIdTime(made[0].id)).getUTCDate()).toBe(27);
  expect(new Date(archiveIdTime(made[7].id)).getUTCDate()).toBe(28);
  await store.append(made.map((e) => ({ ...e, owner })));
  expect(bodies((await store.query(owner, { with: 'bob@x' }, { max: 10 })).entries)).toEqual([0, 2, 4, 6]);
  expect(bodies((await store.query(owner, { with: 'carol@x' }, { max: 10 })).entries)).toEqual([1, 3, 5, 7]);
  expect(bodies((await store.query(owner, { with: 'bob@x/laptop' }, { max: 10 })).entries)).toEqual([2, 6]);
  // A later batch on the second day only, for a peer already seen that day.
  clock += 1000;
  await store.append([{ ...entry(ids, 8, 'bob@x/phone'), owner }]);
  expect(bodies((await store.query(owner, { with: 'bob@x' }, { max: 10 })).entries)).toEqual([0, 2, 4, 6, 8]);
});
