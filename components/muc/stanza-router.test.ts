// The router around the rooms: persistence and lazy loading, the bounded room queue, the error
// boundary, and what is refused at the edge.
import type { MucRoomRecord } from '../../shared/storage/types.js';
import { createMucHarness, errorCondition, ROOM, SERVICE, statusCodes } from './test-support/muc-harness.js';
import { MemoryMucRoomStore } from './test-support/memory-muc-room-store.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';

test('a persistent room is stored, dropped from memory when empty, and loaded on its first stanza', async () => {
  const rooms = new MemoryMucRoomStore();
  const h = createMucHarness({ rooms });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_roomname': 'Coven' });
  await h.admin(ALICE, `<item affiliation='member' jid='bob@localhost'/>`);
  await h.receive(`<message type='groupchat' from='${ALICE}' to='${ROOM}'><subject>Spells</subject></message>`);
  await h.leave(ALICE, 'Alice');
  expect(h.router.liveRooms()).toBe(0);
  const record = (await rooms.get(ROOM))!;
  expect(record.config).toMatchObject({ persistent: true, name: 'Coven' });
  expect(record.affiliations).toEqual({ 'alice@localhost': 'owner', 'bob@localhost': 'member' });
  expect(record.subject?.text).toBe('Spells');

  // A second instance (same store) loads it lazily: nothing read until a stanza names the room.
  const other = createMucHarness({ rooms });
  const before = rooms.gets;
  expect(other.router.liveRooms()).toBe(0);
  await other.join(BOB, 'Bob');
  expect(rooms.gets).toBe(before + 1);
  const self = other.to(BOB).find((s) => s.attrs.from === `${ROOM}/Bob`)!;
  expect(statusCodes(self)).toEqual([110]); // not 201: the room existed
  expect(other.to(BOB).at(-1)!.getChildText('subject')).toBe('Spells');
});

test('turning persistence off removes the stored room', async () => {
  const rooms = new MemoryMucRoomStore();
  const h = createMucHarness({ rooms });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '1' });
  expect(rooms.records.has(ROOM)).toBe(true);
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '0' });
  expect(rooms.records.has(ROOM)).toBe(false);
});

test('only users of the server create rooms; maxLiveRooms bounds the rooms in memory', async () => {
  const h = createMucHarness({ maxLiveRooms: 1 });
  await h.join('mallory@evil.example/x', 'M');
  expect(errorCondition(h.to('mallory@evil.example/x')[0])).toBe('not-allowed');
  await h.join(ALICE, 'Alice');
  await h.join(BOB, 'Bob', { room: `other@${SERVICE}` });
  expect(errorCondition(h.to(BOB)[0])).toBe('resource-constraint');
});

class BrokenStore extends MemoryMucRoomStore {
  override async get(): Promise<MucRoomRecord | undefined> {
    throw new Error('disk on fire');
  }
}

test('one error boundary: a failing store becomes internal-server-error, once', async () => {
  const h = createMucHarness({ rooms: new BrokenStore() });
  await h.join(ALICE, 'Alice');
  expect(h.sent).toHaveLength(1);
  expect(errorCondition(h.sent[0])).toBe('internal-server-error');
  expect(h.sent[0]!.attrs).toMatchObject({ type: 'error', from: `${ROOM}/Alice`, to: ALICE });
});

class StalledStore extends MemoryMucRoomStore {
  release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  override async get(room: string): Promise<MucRoomRecord | undefined> {
    await this.gate;
    return super.get(room);
  }
}

test('a full room queue sheds with resource-constraint and never delays other rooms beyond it', async () => {
  const rooms = new StalledStore();
  const h = createMucHarness({ rooms, queueLimits: { maxPerRoom: 2 } });
  const pending = [h.say(ALICE, 'one'), h.say(ALICE, 'two'), h.say(ALICE, 'three')];
  await pending[2];
  expect(errorCondition(h.sent[0])).toBe('resource-constraint');
  rooms.release();
  await Promise.all(pending);
  expect(h.sent.map(errorCondition)).toEqual(['resource-constraint', 'item-not-found', 'item-not-found']);
});

test.each([
  ['an unknown IQ to the service', `<iq type='get' id='x' from='${ALICE}' to='${SERVICE}'><query xmlns='jabber:iq:version'/></iq>`, 'service-unavailable'],
  ['a message to the service', `<message id='x' from='${ALICE}' to='${SERVICE}'><body>hi</body></message>`, 'service-unavailable'],
  ['a disco#info node on the service', `<iq type='get' id='x' from='${ALICE}' to='${SERVICE}'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>`, 'item-not-found'],
])('%s is refused with %s', async (_what, stanza, condition) => {
  const h = createMucHarness();
  await h.receive(stanza);
  expect(h.sent).toHaveLength(1);
  expect(errorCondition(h.sent[0])).toBe(condition);
});

test('errors and results are never answered', async () => {
  const h = createMucHarness();
  await h.receive(`<iq type='result' id='x' from='${ALICE}' to='${ROOM}'/>`);
  await h.receive(`<message type='error' id='x' from='${ALICE}' to='${ROOM}'/>`);
  await h.receive(`<presence type='unavailable' from='${ALICE}' to='${ROOM}/Alice'/>`);
  expect(h.sent).toEqual([]);
});

test('§15.6 332: on shutdown every occupant is told it was removed, and the rooms leave memory', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  await h.router.shutdown((s) => {
    h.sent.push(s);
  });
  expect(h.to(BOB).map((p) => `${p.attrs.type} ${p.attrs.from}`).sort()).toEqual([`unavailable ${ROOM}/Alice`, `unavailable ${ROOM}/Bob`]);
  expect(statusCodes(h.to(BOB).find((p) => p.attrs.from === `${ROOM}/Bob`)).sort()).toEqual([110, 332]);
  expect(h.router.liveRooms()).toBe(0);
});
