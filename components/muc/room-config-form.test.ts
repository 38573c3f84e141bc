// Room configuration (XEP-0045 §10.1–§10.2), destruction (§10.9), invitations (§7.8), disco (§6).
import { NS_DATA, NS_MUC_USER } from './namespaces.js';
import { createMucHarness, errorCondition, ROOM, SERVICE, statusCodes } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';
const OWNER_NS = 'http://jabber.org/protocol/muc#owner';

function fieldValues(iq: ReturnType<typeof createMucHarness>['sent'][number]): Record<string, string> {
  const form = iq.getChild('query')!.getChild('x', NS_DATA)!;
  return Object.fromEntries(form.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value') ?? '']));
}

test('§10.2 the owner gets the muc#roomconfig form; others are forbidden', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  const form = await h.iq(ALICE, 'get', ROOM, `<query xmlns='${OWNER_NS}'/>`);
  expect(fieldValues(form)).toMatchObject({
    FORM_TYPE: 'http://jabber.org/protocol/muc#roomconfig',
    'muc#roomconfig_persistentroom': '0',
    'muc#roomconfig_publicroom': '1',
    'muc#roomconfig_whois': 'moderators',
    'muc#roomconfig_maxusers': '100',
    'muc#roomconfig_historylength': '20',
  });
  expect(errorCondition(await h.iq(BOB, 'get', ROOM, `<query xmlns='${OWNER_NS}'/>`))).toBe('forbidden');
});

test('§10.2 a submitted form changes the room; occupants get 104 (and 172 when it becomes non-anonymous)', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  await h.configure(ALICE, { 'muc#roomconfig_roomname': 'The Coven', 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_maxusers': '100000' });
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([104, 172]);
  const form = await h.iq(ALICE, 'get', ROOM, `<query xmlns='${OWNER_NS}'/>`);
  expect(fieldValues(form)).toMatchObject({ 'muc#roomconfig_roomname': 'The Coven', 'muc#roomconfig_maxusers': '500' });
  expect(errorCondition(await h.configure(ALICE, { 'muc#roomconfig_maxusers': 'many' }))).toBe('not-acceptable');
});

test('§10.1.3 cancelling the form of a new room destroys it', async () => {
  const h = createMucHarness();
  await h.join(ALICE, 'Alice');
  const answer = await h.iq(ALICE, 'set', ROOM, `<query xmlns='${OWNER_NS}'><x xmlns='jabber:x:data' type='cancel'/></query>`);
  expect(answer.attrs.type).toBe('result');
  expect(h.router.liveRooms()).toBe(0);
});

test('§10.9 destroying a room: occupants get unavailable with <destroy/>, the stored room is gone', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '1' });
  await h.join(BOB, 'Bob');
  expect(await h.rooms.get(ROOM)).toBeDefined();
  h.clear();
  expect(errorCondition(await h.iq(BOB, 'set', ROOM, `<query xmlns='${OWNER_NS}'><destroy/></query>`))).toBe('forbidden');
  const answer = await h.iq(ALICE, 'set', ROOM, `<query xmlns='${OWNER_NS}'><destroy jid='darkcave@${SERVICE}'><reason>Moving</reason></destroy></query>`);
  expect(answer.attrs.type).toBe('result');
  const gone = h.to(BOB).find((s) => s.name === 'presence')!;
  expect(gone.attrs.type).toBe('unavailable');
  const destroy = gone.getChild('x', NS_MUC_USER)!.getChild('destroy')!;
  expect(destroy.attrs.jid).toBe(`darkcave@${SERVICE}`);
  expect(destroy.getChildText('reason')).toBe('Moving');
  expect(await h.rooms.get(ROOM)).toBeUndefined();
  expect(h.router.liveRooms()).toBe(0);
});

test('§7.8.2 mediated invitations are forwarded from the room; in members-only rooms the invitee becomes a member', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'eye of newt' });
  h.clear();
  await h.receive(`<message from='${ALICE}' to='${ROOM}'><x xmlns='${NS_MUC_USER}'><invite to='bob@localhost'><reason>Join us</reason></invite></x></message>`);
  const [invitation] = h.to('bob@localhost');
  expect(invitation!.attrs.from).toBe(ROOM);
  const x = invitation!.getChild('x', NS_MUC_USER)!;
  expect(x.getChild('invite')!.attrs.from).toBe('alice@localhost');
  expect(x.getChild('invite')!.getChildText('reason')).toBe('Join us');
  expect(x.getChildText('password')).toBe('eye of newt');
  h.clear();
  await h.join(BOB, 'Bob', { x: '<password>eye of newt</password>' });
  expect(h.to(BOB).some((s) => s.attrs.from === `${ROOM}/Bob` && s.attrs.type === undefined)).toBe(true);
  // A participant of a members-only room without allowinvites may not invite.
  h.clear();
  await h.receive(`<message from='${BOB}' to='${ROOM}'><x xmlns='${NS_MUC_USER}'><invite to='carol@localhost'/></x></message>`);
  expect(errorCondition(h.to(BOB)[0])).toBe('forbidden');
  // §7.8.3: a decline goes back to the inviter.
  h.clear();
  await h.receive(`<message from='${CAROL}' to='${ROOM}'><x xmlns='${NS_MUC_USER}'><decline to='alice@localhost'><reason>Busy</reason></decline></x></message>`);
  expect(h.to('alice@localhost')[0]!.getChild('x', NS_MUC_USER)!.getChild('decline')!.attrs.from).toBe('carol@localhost');
});

test('§6.1/§6.3/§6.4 disco of the service and of rooms, with the features of each room property', async () => {
  const h = createMucHarness();
  const info = await h.iq(BOB, 'get', SERVICE, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
  expect(info.getChild('query')!.getChild('identity')!.attrs).toMatchObject({ category: 'conference', type: 'text' });
  expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain('http://jabber.org/protocol/muc');
  await h.join(ALICE, 'Alice');
  // A locked room is not visible.
  expect(errorCondition(await h.iq(BOB, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))).toBe('item-not-found');
  let items = await h.iq(BOB, 'get', SERVICE, `<query xmlns='http://jabber.org/protocol/disco#items'/>`);
  expect(items.getChild('query')!.getChildren('item')).toEqual([]);
  await h.configure(ALICE, { 'muc#roomconfig_roomname': 'Coven', 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'x', 'muc#roomconfig_whois': 'anyone' });
  items = await h.iq(BOB, 'get', SERVICE, `<query xmlns='http://jabber.org/protocol/disco#items'/>`);
  expect(items.getChild('query')!.getChildren('item').map((i) => i.attrs)).toEqual([{ jid: ROOM, name: 'Coven' }]);
  const room = await h.iq(BOB, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
  const features = room.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
  expect(features).toEqual(
    expect.arrayContaining(['http://jabber.org/protocol/muc', 'muc_temporary', 'muc_open', 'muc_public', 'muc_unmoderated', 'muc_passwordprotected', 'muc_nonanonymous', 'urn:xmpp:occupant-id:0']),
  );
  await h.configure(ALICE, { 'muc#roomconfig_publicroom': '0', 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_membersonly': '1', 'muc#roomconfig_moderatedroom': '1', 'muc#roomconfig_passwordprotectedroom': '0', 'muc#roomconfig_whois': 'moderators' });
  const hidden = await h.iq(BOB, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);
  expect(hidden.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toEqual(
    expect.arrayContaining(['muc_persistent', 'muc_membersonly', 'muc_hidden', 'muc_moderated', 'muc_unsecured', 'muc_semianonymous']),
  );
  items = await h.iq(BOB, 'get', SERVICE, `<query xmlns='http://jabber.org/protocol/disco#items'/>`);
  expect(items.getChild('query')!.getChildren('item')).toEqual([]);
});
