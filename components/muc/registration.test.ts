// Registering with a room (XEP-0045 §7.10) and reserved nicknames (§7.12).
import { NS_DATA } from './namespaces.js';
import { NS_MUC_REGISTER, NS_REGISTER } from './registration.js';
import { createMucHarness, errorCondition, ROOM } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';

const registerWith = (nick: string) =>
  `<query xmlns='${NS_REGISTER}'><x xmlns='${NS_DATA}' type='submit'><field var='FORM_TYPE'><value>${NS_MUC_REGISTER}</value></field><field var='muc#register_roomnick'><value>${nick}</value></field></x></query>`;

async function room() {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  h.clear();
  return h;
}

test('§7.10 the registration form asks for a room nickname; a registered user is told its nickname', async () => {
  const h = await room();
  const form = await h.iq(BOB, 'get', ROOM, `<query xmlns='${NS_REGISTER}'/>`);
  const x = form.getChild('query', NS_REGISTER)!.getChild('x', NS_DATA)!;
  expect(x.attrs.type).toBe('form');
  const fields = x.getChildren('field');
  expect(fields.find((f) => f.attrs.var === 'FORM_TYPE')!.getChildText('value')).toBe(NS_MUC_REGISTER);
  expect(fields.find((f) => f.attrs.var === 'muc#register_roomnick')!.getChild('required')).toBeDefined();

  expect((await h.iq(BOB, 'set', ROOM, registerWith('Bob'))).attrs.type).toBe('result');
  const again = await h.iq(BOB, 'get', ROOM, `<query xmlns='${NS_REGISTER}'/>`);
  expect(again.getChild('query', NS_REGISTER)!.getChild('registered')).toBeDefined();
  expect(again.getChild('query', NS_REGISTER)!.getChildText('username')).toBe('Bob');
});

test('§7.10 registering makes the user a member, listed with its nickname; the nickname is stored with a persistent room', async () => {
  const h = await room();
  await h.configure(ALICE, { 'muc#roomconfig_persistentroom': '1' });
  await h.iq(BOB, 'set', ROOM, registerWith('Bob'));
  const members = await h.iq(ALICE, 'get', ROOM, `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query>`);
  expect(members.getChild('query')!.getChildren('item').map((i) => i.attrs)).toEqual([{ affiliation: 'member', jid: 'bob@localhost', nick: 'Bob' }]);
  expect((await h.rooms.get(ROOM))?.reservedNicks).toEqual({ 'bob@localhost': 'Bob' });
});

test('§7.12 a registered nickname is reserved: others get conflict entering or renaming to it, its owner enters with it', async () => {
  const h = await room();
  await h.iq(BOB, 'set', ROOM, registerWith('Bob'));
  await h.join(CAROL, 'Bob');
  expect(errorCondition(h.to(CAROL)[0])).toBe('conflict');
  h.clear();
  await h.join(CAROL, 'Carol');
  h.clear();
  await h.receive(`<presence from='${CAROL}' to='${ROOM}/Bob'/>`);
  expect(errorCondition(h.to(CAROL)[0])).toBe('conflict');
  h.clear();
  await h.join(BOB, 'Bob');
  expect(h.to(BOB).some((s) => s.name === 'presence' && s.attrs.from === `${ROOM}/Bob` && s.attrs.type === undefined)).toBe(true);
  // §7.12: discovering one's reserved nickname.
  const info = await h.iq('bob@localhost/tablet', 'get', ROOM, `<query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/>`);
  expect(info.getChild('query')!.getChild('identity')!.attrs).toMatchObject({ category: 'conference', type: 'text', name: 'Bob' });
});

test('§7.10 a nickname registered by another user is a conflict; a form without a nickname is bad-request; outcasts are forbidden', async () => {
  const h = await room();
  await h.iq(BOB, 'set', ROOM, registerWith('Bob'));
  expect(errorCondition(await h.iq(CAROL, 'set', ROOM, registerWith('Bob')))).toBe('conflict');
  expect(errorCondition(await h.iq(CAROL, 'set', ROOM, registerWith('')))).toBe('bad-request');
  await h.admin(ALICE, `<item affiliation='outcast' jid='carol@localhost'/>`);
  expect(errorCondition(await h.iq(CAROL, 'get', ROOM, `<query xmlns='${NS_REGISTER}'/>`))).toBe('forbidden');
});

test('a reservation ends with <remove/> and when the affiliation is taken away', async () => {
  const h = await room();
  await h.iq(BOB, 'set', ROOM, registerWith('Bob'));
  expect((await h.iq(BOB, 'set', ROOM, `<query xmlns='${NS_REGISTER}'><remove/></query>`)).attrs.type).toBe('result');
  await h.join(CAROL, 'Bob');
  expect(errorCondition(h.to(CAROL)[0])).toBeUndefined();
  await h.leave(CAROL, 'Bob');

  await h.iq(BOB, 'set', ROOM, registerWith('Bobby'));
  await h.admin(ALICE, `<item affiliation='none' jid='bob@localhost'/>`);
  h.clear();
  await h.join(CAROL, 'Bobby');
  expect(errorCondition(h.to(CAROL)[0])).toBeUndefined();
});

test('members-only rooms take registrations only from users who already have an affiliation', async () => {
  const h = await room();
  await h.configure(ALICE, { 'muc#roomconfig_membersonly': '1' });
  expect(errorCondition(await h.iq(CAROL, 'set', ROOM, registerWith('Carol')))).toBe('registration-required');
  await h.admin(ALICE, `<item affiliation='member' jid='carol@localhost'/>`);
  expect((await h.iq(CAROL, 'set', ROOM, registerWith('Carol'))).attrs.type).toBe('result');
});
