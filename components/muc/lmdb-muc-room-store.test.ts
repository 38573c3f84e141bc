// shared/storage/lmdb/muc-room-store.ts against a real LMDB directory (the MucRoomStore contract).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbMucRoomStore } from '../../shared/storage/lmdb/muc-room-store.js';
import type { MucRoomRecord } from '../../shared/storage/types.js';
import { DEFAULT_ROOM_CONFIG } from './room.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-muc-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (jid: string): MucRoomRecord => ({
  jid,
  config: { ...DEFAULT_ROOM_CONFIG, persistent: true, name: jid },
  affiliations: { 'alice@localhost': 'owner', 'bob@localhost': 'outcast' },
  subject: { text: 'Spells', nick: 'Alice', at: 1 },
  createdAt: 2,
});

test('put, get, list in order with paging, delete; survives reopening', async () => {
  const store = await openLmdbMucRoomStore(dir);
  expect(await store.get('a@conference.localhost')).toBeUndefined();
  for (const jid of ['c@conference.localhost', 'a@conference.localhost', 'b@conference.localhost']) await store.put(record(jid));
  expect(await store.get('a@conference.localhost')).toEqual(record('a@conference.localhost'));
  expect(await store.list()).toEqual(['a@conference.localhost', 'b@conference.localhost', 'c@conference.localhost']);
  expect(await store.list({ after: 'a@conference.localhost', limit: 1 })).toEqual(['b@conference.localhost']);
  expect(await store.delete('b@conference.localhost')).toBe(true);
  expect(await store.delete('b@conference.localhost')).toBe(false);
  await store.close();
  const reopened = await openLmdbMucRoomStore(dir);
  expect(await reopened.list()).toEqual(['a@conference.localhost', 'c@conference.localhost']);
  expect((await reopened.get('c@conference.localhost'))?.affiliations).toEqual({ 'alice@localhost': 'owner', 'bob@localhost': 'outcast' });
  await reopened.close();
});
