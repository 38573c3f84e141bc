// The room's message archive (XEP-0313 for MUC rooms, XEP-0359 stanza ids).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openLmdbMucArchiveStore } from '../../shared/storage/lmdb/muc-room-store.js';
import { createRoomArchive, NS_MAM, NS_STANZA_ID } from './room-archive.js';
import { createMucHarness, errorCondition, ROOM } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';
const RSM = 'http://jabber.org/protocol/rsm';

let dir: string;
let archive: Awaited<ReturnType<typeof openLmdbMucArchiveStore>>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-muc-archive-'));
  archive = await openLmdbMucArchiveStore(dir);
});
afterEach(async () => {
  await archive.close();
  await rm(dir, { recursive: true, force: true });
});

async function persistentRoomWithBob() {
  const h = createMucHarness({ archive: createRoomArchive(archive.store, pino({ level: 'silent' })) });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '1' });
  await h.join(BOB, 'Bob');
  h.clear();
  return h;
}

const mamQuery = (queryid: string, rsm = '') => `<query xmlns='${NS_MAM}' queryid='${queryid}'>${rsm ? `<set xmlns='${RSM}'>${rsm}</set>` : ''}</query>`;

test('messages of a persistent room get the room stanza-id (a forged one removed) and are paged back with MAM', async () => {
  const h = await persistentRoomWithBob();
  await h.receive(`<message type='groupchat' from='${BOB}' to='${ROOM}'><body>one</body><stanza-id xmlns='${NS_STANZA_ID}' by='${ROOM}' id='forged'/></message>`);
  await h.say(ALICE, 'two');
  await h.say(BOB, 'three');
  const reflected = h.to(ALICE).filter((s) => s.name === 'message');
  const ids = reflected.map((m) => m.getChildren('stanza-id', NS_STANZA_ID).map((s) => s.attrs));
  expect(ids.every((list) => list.length === 1 && list[0]!.by === ROOM && list[0]!.id !== 'forged')).toBe(true);

  h.clear();
  const first = await h.iq(CAROL, 'set', ROOM, mamQuery('q1', '<max>2</max>'));
  const results = h.to(CAROL).filter((s) => s.name === 'message');
  expect(results.map((m) => m.getChild('result', NS_MAM)!.attrs.queryid)).toEqual(['q1', 'q1']);
  const forwarded = results.map((m) => m.getChild('result', NS_MAM)!.getChild('forwarded')!.getChild('message')!);
  expect(forwarded.map((m) => m.getChildText('body'))).toEqual(['one', 'two']);
  expect(forwarded.map((m) => m.attrs.from)).toEqual([`${ROOM}/Bob`, `${ROOM}/Alice`]);
  expect(results[0]!.getChild('result', NS_MAM)!.attrs.id).toBe(ids[0]![0]!.id);
  const fin = first.getChild('fin', NS_MAM)!;
  expect(fin.attrs.complete).toBeUndefined();

  h.clear();
  const last = fin.getChild('set', RSM)!.getChildText('last');
  const second = await h.iq(CAROL, 'set', ROOM, mamQuery('q2', `<max>2</max><after>${last}</after>`));
  expect(h.to(CAROL).filter((s) => s.name === 'message').map((m) => m.getChild('result', NS_MAM)!.getChild('forwarded')!.getChild('message')!.getChildText('body'))).toEqual(['three']);
  expect(second.getChild('fin', NS_MAM)!.attrs.complete).toBe('true');
});

test('the room advertises MAM; outcasts may not read; temporary rooms keep no archive; destroying the room removes it', async () => {
  const h = await persistentRoomWithBob();
  const info = await h.iq(BOB, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
  expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toEqual(expect.arrayContaining([NS_MAM, NS_STANZA_ID]));
  await h.admin(ALICE, `<item affiliation='outcast' jid='carol@localhost'/>`);
  expect(errorCondition(await h.iq(CAROL, 'set', ROOM, mamQuery('x')))).toBe('forbidden');
  expect(errorCondition(await h.iq(BOB, 'set', ROOM, mamQuery('x', '<after>0000000000000000</after>')))).toBe('item-not-found');

  await h.say(BOB, 'soon gone');
  await h.iq(BOB, 'set', ROOM, mamQuery('y'));
  expect(await archive.store.bounds(ROOM)).toBeDefined();
  await h.iq(ALICE, 'set', ROOM, `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query>`);
  expect(await archive.store.bounds(ROOM)).toBeUndefined();

  const temporary = `brew@conference.localhost`;
  await h.createInstantRoom(ALICE, 'Alice', temporary);
  expect(errorCondition(await h.iq(ALICE, 'set', temporary, mamQuery('z')))).toBe('service-unavailable');
});

test('a persistent room loaded again (restart, or another instance) gets its discussion history back from the archive', async () => {
  const h = await persistentRoomWithBob();
  for (const body of ['fillet', 'of a', 'fenny snake']) await h.say(BOB, body);
  await h.leave(BOB, 'Bob');
  await h.leave(ALICE, 'Alice'); // the room leaves memory
  expect(h.router.liveRooms()).toBe(0);
  await h.iq(CAROL, 'set', ROOM, mamQuery('flush')); // flushes the archive writer
  h.clear();
  await h.join(CAROL, 'Carol', { x: `<history maxstanzas='2'/>` });
  const history = h.to(CAROL).filter((s) => s.name === 'message' && s.getChild('body'));
  expect(history.map((m) => m.getChildText('body'))).toEqual(['of a', 'fenny snake']);
  expect(history.every((m) => m.attrs.from === `${ROOM}/Bob` && m.getChild('delay', 'urn:xmpp:delay') && m.getChild('stanza-id', NS_STANZA_ID))).toBe(true);
});

test('full-text search (XEP-0431) of a room archive: advertised, in the form, by words with paging; off with fullTextSearch false', async () => {
  const h = await persistentRoomWithBob();
  const info = await h.iq(CAROL, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
  expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain('urn:xmpp:fulltext:0');
  const form = await h.iq(CAROL, 'get', ROOM, `<query xmlns='${NS_MAM}'/>`);
  expect(form.getChild('query')!.getChild('x')!.getChildren('field').map((f) => f.attrs.var)).toContain('{urn:xmpp:fulltext:0}fulltext');

  for (const [who, text] of [[BOB, 'Pizza tonight?'], [ALICE, 'no, sushi'], [BOB, 'pizza it is then'], [ALICE, 'PIZZA!']] as const) await h.say(who, text);
  h.clear();
  const search = (words: string, rsm: string) =>
    `<query xmlns='${NS_MAM}' queryid='s'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>${NS_MAM}</value></field>` +
    `<field var='{urn:xmpp:fulltext:0}fulltext'><value>${words}</value></field></x><set xmlns='${RSM}'>${rsm}</set></query>`;
  const bodies = () => h.to(CAROL).filter((s) => s.name === 'message').map((m) => m.getChild('result', NS_MAM)!.getChild('forwarded')!.getChild('message')!.getChildText('body'));
  const latest = await h.iq(CAROL, 'set', ROOM, search('pizza', '<max>2</max><before/>'));
  expect(bodies()).toEqual(['pizza it is then', 'PIZZA!']);
  expect(latest.getChild('fin', NS_MAM)!.attrs.complete).toBeUndefined();
  h.clear();
  const first = latest.getChild('fin', NS_MAM)!.getChild('set', RSM)!.getChildText('first');
  const earlier = await h.iq(CAROL, 'set', ROOM, search('pizza', `<max>2</max><before>${first}</before>`));
  expect(bodies()).toEqual(['Pizza tonight?']);
  expect(earlier.getChild('fin', NS_MAM)!.attrs.complete).toBe('true');

  const off = createMucHarness({ archive: createRoomArchive(archive.store, pino({ level: 'silent' }), { fullTextSearch: false }) });
  await off.createInstantRoom(ALICE, 'Alice');
  await off.configure(ALICE, { 'muc#roomconfig_persistentroom': '1' });
  off.clear();
  expect(errorCondition(await off.iq(ALICE, 'set', ROOM, search('pizza', '')))).toBe('feature-not-implemented');
});
