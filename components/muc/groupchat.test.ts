// Groupchat (XEP-0045 §7.4), subject (§8.1), history (§7.2 "Managing Discussion History"), private messages (§7.5).
import { NS_DELAY, NS_MUC_USER, NS_OCCUPANT_ID } from './namespaces.js';
import { createMucHarness, errorCondition, ROOM } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';

async function roomWithAliceAndBob() {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  return h;
}

test('§7.4 a groupchat message is reflected to every occupant, the sender included, with its occupant-id', async () => {
  const h = await roomWithAliceAndBob();
  await h.receive(`<message type='groupchat' id='g1' from='${BOB}' to='${ROOM}'><body>hello</body><occupant-id xmlns='${NS_OCCUPANT_ID}' id='forged'/></message>`);
  for (const who of [ALICE, BOB]) {
    const [message] = h.to(who);
    expect(message!.attrs).toMatchObject({ type: 'groupchat', id: 'g1', from: `${ROOM}/Bob` });
    expect(message!.getChildText('body')).toBe('hello');
    expect(message!.getChildren('occupant-id', NS_OCCUPANT_ID).map((o) => o.attrs.id)).not.toContain('forged');
    expect(message!.getChildren('occupant-id', NS_OCCUPANT_ID)).toHaveLength(1);
  }
});

test('§7.4 non-occupants get not-acceptable; visitors of a moderated room get forbidden', async () => {
  const h = await roomWithAliceAndBob();
  await h.say(CAROL, 'let me in');
  expect(errorCondition(h.to(CAROL)[0])).toBe('not-acceptable');
  await h.configure(ALICE, { 'muc#roomconfig_moderatedroom': '1' });
  await h.join(CAROL, 'Carol');
  h.clear();
  await h.say(CAROL, 'hi');
  expect(errorCondition(h.to(CAROL)[0])).toBe('forbidden');
  expect(h.to(ALICE)).toEqual([]);
});

test('§8.1 moderators change the subject; it is sent to everyone and to whoever enters later', async () => {
  const h = await roomWithAliceAndBob();
  await h.receive(`<message type='groupchat' from='${BOB}' to='${ROOM}'><subject>Fire</subject></message>`);
  expect(errorCondition(h.to(BOB)[0])).toBe('forbidden'); // §8.2: participants may not by default
  h.clear();
  await h.receive(`<message type='groupchat' from='${ALICE}' to='${ROOM}'><subject>Fire burn</subject></message>`);
  expect(h.to(BOB)[0]!.getChildText('subject')).toBe('Fire burn');
  expect(h.to(BOB)[0]!.attrs.from).toBe(`${ROOM}/Alice`);
  h.clear();
  await h.join(CAROL, 'Carol');
  const last = h.to(CAROL).at(-1)!;
  expect(last.getChildText('subject')).toBe('Fire burn');
  await h.configure(ALICE, { 'muc#roomconfig_changesubject': '1' });
  h.clear();
  await h.receive(`<message type='groupchat' from='${BOB}' to='${ROOM}'><subject>Cauldron bubble</subject></message>`);
  expect(h.to(CAROL)[0]!.getChildText('subject')).toBe('Cauldron bubble');
});

test('§7.2 "Managing Discussion History" history is replayed with delay, bounded by the room and filtered by the joiner', async () => {
  const h = await roomWithAliceAndBob();
  await h.configure(ALICE, { 'muc#roomconfig_historylength': '3' });
  for (let i = 1; i <= 5; i++) {
    await h.say(ALICE, `m${i}`);
    h.advance(60_000);
  }
  h.clear();
  await h.join(CAROL, 'Carol');
  const history = h.to(CAROL).filter((s) => s.name === 'message' && s.getChild('body'));
  expect(history.map((m) => m.getChildText('body'))).toEqual(['m3', 'm4', 'm5']);
  expect(history[0]!.getChild('delay', NS_DELAY)!.attrs.from).toBe(ROOM);
  await h.leave(CAROL, 'Carol');
  for (const [x, expected] of [
    [`<history maxstanzas='1'/>`, ['m5']],
    [`<history maxstanzas='0'/>`, []],
    [`<history seconds='150'/>`, ['m4', 'm5']],
    [`<history since='${new Date(1_700_000_000_000 + 3 * 60_000 + 1).toISOString()}'/>`, ['m5']],
    [`<history maxchars='0'/>`, []],
  ] as const) {
    h.clear();
    await h.join(CAROL, 'Carol', { x });
    expect(h.to(CAROL).filter((s) => s.name === 'message' && s.getChild('body')).map((m) => m.getChildText('body'))).toEqual(expected);
    await h.leave(CAROL, 'Carol');
  }
});

test('§7.5 a private message goes to the occupant from the sender nick; unknown nicks are item-not-found', async () => {
  const h = await roomWithAliceAndBob();
  await h.receive(`<message type='chat' id='p1' from='${BOB}' to='${ROOM}/Alice'><body>psst</body></message>`);
  const [pm] = h.to(ALICE);
  expect(pm!.attrs).toMatchObject({ type: 'chat', from: `${ROOM}/Bob`, id: 'p1' });
  expect(pm!.getChild('x', NS_MUC_USER)).toBeDefined();
  expect(h.to(BOB)).toEqual([]);
  await h.receive(`<message type='chat' from='${BOB}' to='${ROOM}/Nobody'><body>?</body></message>`);
  expect(errorCondition(h.to(BOB)[0])).toBe('item-not-found');
  h.clear();
  await h.receive(`<message type='chat' from='${CAROL}' to='${ROOM}/Alice'><body>?</body></message>`);
  expect(errorCondition(h.to(CAROL)[0])).toBe('not-acceptable');
  await h.receive(`<message type='groupchat' from='${BOB}' to='${ROOM}/Alice'><body>?</body></message>`);
  expect(errorCondition(h.to(BOB)[0])).toBe('bad-request');
});

test('messages to a room that does not exist are item-not-found', async () => {
  const h = createMucHarness();
  await h.say(ALICE, 'anyone?');
  expect(errorCondition(h.to(ALICE)[0])).toBe('item-not-found');
});

test('a bounced message means the occupant is gone: the others see it leave with 333', async () => {
  const h = await roomWithAliceAndBob();
  await h.receive(`<message type='error' from='${BOB}' to='${ROOM}/Alice'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
  expect(h.to(ALICE)[0]!.attrs.type).toBe('unavailable');
  expect(h.to(ALICE)[0]!.getChild('x', NS_MUC_USER)!.getChild('status')!.attrs.code).toBe('333');
  h.clear();
  await h.say(BOB, 'back?');
  expect(errorCondition(h.to(BOB)[0])).toBe('not-acceptable');
});

test('§7.5 IQs between occupants go through the room both ways, keeping the id', async () => {
  const h = await roomWithAliceAndBob();
  await h.receive(`<iq type='get' id='v1' from='${BOB}' to='${ROOM}/Alice'><query xmlns='jabber:iq:version'/></iq>`);
  expect(h.to(ALICE)[0]!.attrs).toMatchObject({ type: 'get', id: 'v1', from: `${ROOM}/Bob` });
  await h.receive(`<iq type='result' id='v1' from='${ALICE}' to='${ROOM}/Bob'><query xmlns='jabber:iq:version'><name>x</name></query></iq>`);
  expect(h.to(BOB)[0]!.attrs).toMatchObject({ type: 'result', id: 'v1', from: `${ROOM}/Alice` });
  await h.receive(`<iq type='get' id='v2' from='${CAROL}' to='${ROOM}/Alice'><ping xmlns='urn:xmpp:ping'/></iq>`);
  expect(errorCondition(h.to(CAROL)[0])).toBe('not-acceptable');
});

test('XEP-0410 self-ping is answered by the room: result when joined, not-acceptable when not', async () => {
  const h = await roomWithAliceAndBob();
  const joined = await h.iq(BOB, 'get', `${ROOM}/Bob`, `<ping xmlns='urn:xmpp:ping'/>`);
  expect(joined.attrs).toMatchObject({ type: 'result', from: `${ROOM}/Bob`, to: BOB });
  expect(h.to(BOB)).toHaveLength(1);
  await h.leave(BOB, 'Bob');
  expect(errorCondition(await h.iq(BOB, 'get', `${ROOM}/Bob`, `<ping xmlns='urn:xmpp:ping'/>`))).toBe('not-acceptable');
});

test('history memory is also bounded by the service cap on characters per room', async () => {
  const h = createMucHarness({ maxHistoryChars: 600 });
  await h.createInstantRoom(ALICE, 'Alice');
  for (let i = 1; i <= 10; i++) await h.say(ALICE, `message number ${i} ${'x'.repeat(50)}`);
  h.clear();
  await h.join(BOB, 'Bob');
  const bodies = h.to(BOB).filter((s) => s.name === 'message' && s.getChild('body')).map((m) => m.getChildText('body')!);
  expect(bodies.length).toBeGreaterThan(0);
  expect(bodies.length).toBeLessThan(10);
  expect(bodies.at(-1)).toContain('message number 10');
});

test('flood control: beyond the burst an occupant gets policy-violation until the bucket refills', async () => {
  const h = createMucHarness({ flood: { rate: 1, burst: 3 } });
  await h.createInstantRoom(ALICE, 'Alice');
  h.clear();
  for (let i = 1; i <= 4; i++) await h.say(ALICE, `m${i}`);
  const answers = h.to(ALICE);
  expect(answers.slice(0, 3).map((m) => m.attrs.type)).toEqual(['groupchat', 'groupchat', 'groupchat']);
  expect(errorCondition(answers[3])).toBe('policy-violation');
  h.clear();
  h.advance(1000);
  await h.say(ALICE, 'm5');
  expect(h.to(ALICE)[0]!.attrs.type).toBe('groupchat');
});

test('flood control is per user: leaving and entering again, or another resource, does not refill the bucket', async () => {
  const h = createMucHarness({ flood: { rate: 1, burst: 2 } });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  await h.say(BOB, 'one');
  await h.say(BOB, 'two');
  await h.leave(BOB, 'Bob');
  await h.join('bob@localhost/laptop', 'Bob');
  h.clear();
  await h.say('bob@localhost/laptop', 'three');
  expect(errorCondition(h.to('bob@localhost/laptop')[0])).toBe('policy-violation');
  expect(h.to(ALICE)).toEqual([]);
});
