// Roles and affiliations through muc#admin (XEP-0045 §8, §9, §10.3–§10.8).
import { createMucHarness, errorCondition, mucItem, presenceSummary, ROOM, statusCodes } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';
const ADMIN_NS = 'http://jabber.org/protocol/muc#admin';

async function roomOfThree() {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  await h.join(CAROL, 'Carol');
  h.clear();
  return h;
}

test('§8.2 a moderator kicks a participant: unavailable with 307, actor and reason, for everyone', async () => {
  const h = await roomOfThree();
  const answer = await h.admin(ALICE, `<item nick='Bob' role='none'><reason>Avaunt</reason></item>`);
  expect(answer.attrs.type).toBe('result');
  for (const who of [ALICE, CAROL]) expect(presenceSummary(h.to(who))).toEqual([`unavailable ${ROOM}/Bob`]);
  const kicked = h.to(BOB)[0]!;
  expect(statusCodes(kicked).sort()).toEqual([110, 307]);
  const item = kicked.getChild('x', 'http://jabber.org/protocol/muc#user')!.getChild('item')!;
  expect(item.attrs.role).toBe('none');
  expect(item.getChild('actor')!.attrs.nick).toBe('Alice');
  expect(item.getChildText('reason')).toBe('Avaunt');
  h.clear();
  await h.say(BOB, 'still here?');
  expect(errorCondition(h.to(BOB)[0])).toBe('not-acceptable');
});

test('§8.2 participants may not kick; nobody kicks an owner', async () => {
  const h = await roomOfThree();
  expect(errorCondition(await h.admin(BOB, `<item nick='Carol' role='none'/>`))).toBe('forbidden');
  await h.admin(ALICE, `<item affiliation='admin' jid='bob@localhost'/>`);
  expect(errorCondition(await h.admin(BOB, `<item nick='Alice' role='none'/>`))).toBe('not-allowed');
});

test('§8.3/§8.4 voice is granted and revoked in a moderated room', async () => {
  const h = await roomOfThree();
  await h.configure(ALICE, { 'muc#roomconfig_moderatedroom': '1' });
  await h.admin(ALICE, `<item nick='Bob' role='visitor'/>`);
  h.clear();
  await h.say(BOB, 'hm');
  expect(errorCondition(h.to(BOB)[0])).toBe('forbidden');
  h.clear();
  await h.admin(ALICE, `<item nick='Bob' role='participant'/>`);
  expect(mucItem(h.to(CAROL)[0])!.role).toBe('participant');
  h.clear();
  await h.say(BOB, 'thanks');
  expect(h.to(CAROL)[0]!.getChildText('body')).toBe('thanks');
});

test('§9.1 banning removes the occupant with 301 and keeps them out; §9.2 the ban list', async () => {
  const h = await roomOfThree();
  await h.admin(ALICE, `<item affiliation='outcast' jid='bob@localhost'><reason>Treason</reason></item>`);
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([110, 301]);
  expect(mucItem(h.to(CAROL)[0])).toMatchObject({ affiliation: 'outcast', role: 'none' });
  h.clear();
  await h.join(BOB, 'Bob');
  expect(errorCondition(h.to(BOB)[0])).toBe('forbidden');
  const list = await h.iq(ALICE, 'get', ROOM, `<query xmlns='${ADMIN_NS}'><item affiliation='outcast'/></query>`);
  expect(list.getChild('query')!.getChildren('item').map((i) => i.attrs)).toEqual([{ affiliation: 'outcast', jid: 'bob@localhost' }]);
  expect(errorCondition(await h.iq(CAROL, 'get', ROOM, `<query xmlns='${ADMIN_NS}'><item affiliation='outcast'/></query>`))).toBe('forbidden');
});

test('§10.3–§10.7 owners grant admin and owner; admins cannot touch admins; the last owner stays', async () => {
  const h = await roomOfThree();
  await h.admin(ALICE, `<item affiliation='admin' jid='bob@localhost'/>`);
  expect(mucItem(h.to(CAROL)[0])).toMatchObject({ affiliation: 'admin', role: 'moderator' });
  expect(errorCondition(await h.admin(BOB, `<item affiliation='owner' jid='carol@localhost'/>`))).toBe('not-allowed');
  expect((await h.admin(BOB, `<item affiliation='member' jid='carol@localhost'/>`)).attrs.type).toBe('result');
  expect(errorCondition(await h.admin(ALICE, `<item affiliation='none' jid='alice@localhost'/>`))).toBe('conflict');
  const owners = await h.iq(ALICE, 'get', ROOM, `<query xmlns='${ADMIN_NS}'><item affiliation='owner'/></query>`);
  expect(owners.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['alice@localhost']);
  const moderators = await h.iq(BOB, 'get', ROOM, `<query xmlns='${ADMIN_NS}'><item role='moderator'/></query>`);
  expect(moderators.getChild('query')!.getChildren('item').map((i) => i.attrs.nick).sort()).toEqual(['Alice', 'Bob']);
});

test('§9.5 a set is all or nothing: one refused item changes nothing', async () => {
  const h = await roomOfThree();
  await h.admin(ALICE, `<item affiliation='admin' jid='bob@localhost'/>`);
  const answer = await h.admin(BOB, `<item affiliation='member' jid='carol@localhost'/><item affiliation='none' jid='alice@localhost'/>`);
  expect(errorCondition(answer)).toBe('not-allowed');
  const members = await h.iq(ALICE, 'get', ROOM, `<query xmlns='${ADMIN_NS}'><item affiliation='member'/></query>`);
  expect(members.getChild('query')!.getChildren('item')).toEqual([]);
});

test('§9.9 making a room members-only removes non-members with 322; §9.4 a removed member leaves with 321', async () => {
  const h = await roomOfThree();
  await h.admin(ALICE, `<item affiliation='member' jid='bob@localhost'/>`);
  h.clear();
  await h.configure(ALICE, { 'muc#roomconfig_membersonly': '1' });
  expect(statusCodes(h.to(CAROL).find((s) => s.name === 'presence')).sort()).toEqual([110, 322]);
  h.clear();
  await h.admin(ALICE, `<item affiliation='none' jid='bob@localhost'/>`);
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([110, 321]);
});

test('§7.13/§8.6 a visitor asks for voice; moderators get the form; approving it grants voice', async () => {
  const h = await roomOfThree();
  await h.configure(ALICE, { 'muc#roomconfig_moderatedroom': '1' });
  await h.admin(ALICE, `<item nick='Bob' role='visitor'/>`);
  h.clear();
  const REQUEST = 'http://jabber.org/protocol/muc#request';
  await h.receive(
    `<message from='${BOB}' to='${ROOM}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>${REQUEST}</value></field>` +
      `<field var='muc#role'><value>participant</value></field></x></message>`,
  );
  expect(h.to(CAROL)).toEqual([]);
  const [request] = h.to(ALICE);
  const fields = Object.fromEntries(request!.getChild('x', 'jabber:x:data')!.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]));
  expect(fields).toMatchObject({ FORM_TYPE: REQUEST, 'muc#roomnick': 'Bob', 'muc#jid': BOB, 'muc#request_allow': 'false' });
  h.clear();
  await h.receive(
    `<message from='${ALICE}' to='${ROOM}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>${REQUEST}</value></field>` +
      `<field var='muc#roomnick'><value>Bob</value></field><field var='muc#request_allow'><value>true</value></field></x></message>`,
  );
  expect(mucItem(h.to(CAROL)[0])!.role).toBe('participant');
});
