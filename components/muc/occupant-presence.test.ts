// Entering and exiting a room (XEP-0045 §7.2, §7.14), creation by joining (§10.1), nick change (§7.6).
import { NS_OCCUPANT_ID } from './namespaces.js';
import { createMucHarness, errorCondition, mucItem, presenceSummary, ROOM, statusCodes } from './test-support/muc-harness.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/desk';

test('§10.1.1 joining a room that does not exist creates it locked, with status 201 and 110', async () => {
  const h = createMucHarness();
  await h.join(ALICE, 'Alice');
  const self = h.to(ALICE).find((s) => s.name === 'presence')!;
  expect(self.attrs.from).toBe(`${ROOM}/Alice`);
  expect(statusCodes(self).sort()).toEqual([110, 201]);
  expect(mucItem(self)).toMatchObject({ affiliation: 'owner', role: 'moderator', jid: ALICE });
  // Locked: nobody else gets in until the owner configures it.
  await h.join(BOB, 'Bob');
  expect(errorCondition(h.to(BOB)[0])).toBe('item-not-found');
});

test('§10.1.2 an empty submitted owner form makes an instant room others can enter', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  h.clear();
  await h.join(BOB, 'Bob');
  expect(presenceSummary(h.to(BOB))).toEqual([`available ${ROOM}/Alice`, `available ${ROOM}/Bob`]);
  expect(presenceSummary(h.to(ALICE))).toEqual([`available ${ROOM}/Bob`]);
  const self = h.to(BOB).filter((s) => s.name === 'presence')[1]!;
  expect(statusCodes(self)).toEqual([110]);
  expect(mucItem(self)).toMatchObject({ affiliation: 'none', role: 'participant' });
  // Semi-anonymous by default: Alice (moderator) sees Bob's JID, Bob does not see Alice's.
  expect(mucItem(h.to(ALICE)[0])!.jid).toBe(BOB);
  expect(mucItem(h.to(BOB)[0])!.jid).toBeUndefined();
  // §7.2 "Room Subject": the subject (empty) comes last.
  const last = h.to(BOB).at(-1)!;
  expect(last.name).toBe('message');
  expect(last.getChildText('subject')).toBe('');
});

test('§7.2.9 a nickname in use is a conflict; §7.2.1 no nickname is jid-malformed', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Alice');
  expect(errorCondition(h.to(BOB)[0])).toBe('conflict');
  expect(h.to(BOB)[0]!.attrs.from).toBe(`${ROOM}/Alice`);
  h.clear();
  await h.receive(`<presence from='${BOB}' to='${ROOM}'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  expect(errorCondition(h.to(BOB)[0])).toBe('jid-malformed');
});

test('§7.14 exiting: everyone gets unavailable presence, the leaver with 110; an empty temporary room is gone', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  await h.receive(`<presence type='unavailable' from='${BOB}' to='${ROOM}/Bob'><status>bye</status></presence>`);
  expect(presenceSummary(h.to(ALICE))).toEqual([`unavailable ${ROOM}/Bob`]);
  expect(h.to(ALICE)[0]!.getChildText('status')).toBe('bye');
  expect(statusCodes(h.to(BOB)[0])).toEqual([110]);
  await h.leave(ALICE, 'Alice');
  expect(h.router.liveRooms()).toBe(0);
  h.clear();
  await h.join(BOB, 'Bob'); // a new room, Bob its owner
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([110, 201]);
});

test('§7.7 a presence change is broadcast; MUC payloads are not', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  await h.receive(`<presence from='${BOB}' to='${ROOM}/Bob'><show>away</show></presence>`);
  expect(h.to(ALICE)[0]!.getChildText('show')).toBe('away');
  expect(h.to(BOB)[0]!.getChildText('show')).toBe('away');
});

test('§7.6 changing nickname: unavailable with 303 and the new nick, then available under it', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  await h.join(BOB, 'Robert');
  expect(presenceSummary(h.to(ALICE))).toEqual([`unavailable ${ROOM}/Bob`, `available ${ROOM}/Robert`]);
  expect(statusCodes(h.to(ALICE)[0])).toEqual([303]);
  expect(mucItem(h.to(ALICE)[0])!.nick).toBe('Robert');
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([110, 303]);
  h.clear();
  await h.join(BOB, 'Alice');
  expect(errorCondition(h.to(BOB)[0])).toBe('conflict');
});

test('§7.2.6 a password-protected room needs the password', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'cauldron' });
  await h.join(BOB, 'Bob');
  expect(errorCondition(h.to(BOB)[0])).toBe('not-authorized');
  h.clear();
  await h.join(BOB, 'Bob', { x: '<password>cauldron</password>' });
  expect(statusCodes(h.to(BOB).find((s) => s.attrs.from === `${ROOM}/Bob`))).toEqual([110]);
});

test('§7.2.7 members-only rooms refuse non-members with registration-required', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_membersonly': '1' });
  await h.join(BOB, 'Bob');
  expect(errorCondition(h.to(BOB)[0])).toBe('registration-required');
  await h.admin(ALICE, `<item affiliation='member' jid='bob@localhost'/>`);
  h.clear();
  await h.join(BOB, 'Bob');
  expect(mucItem(h.to(BOB).find((s) => s.attrs.from === `${ROOM}/Bob`))).toMatchObject({ affiliation: 'member', role: 'participant' });
});

test('§7.2.10 a full room refuses with service-unavailable (owners still enter)', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_maxusers': '2' });
  await h.join(BOB, 'Bob');
  await h.join(CAROL, 'Carol');
  expect(errorCondition(h.to(CAROL)[0])).toBe('service-unavailable');
});

test('§5.1.2 moderated rooms make unaffiliated users visitors', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_moderatedroom': '1' });
  await h.join(BOB, 'Bob');
  expect(mucItem(h.to(BOB).find((s) => s.attrs.from === `${ROOM}/Bob`))!.role).toBe('visitor');
});

test('XEP-0421: presence carries a stable occupant-id, forged ones are removed', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  h.clear();
  await h.join(BOB, 'Bob', { payload: `<occupant-id xmlns='${NS_OCCUPANT_ID}' id='forged'/>` });
  const ids = h.to(ALICE).filter((s) => s.name === 'presence').flatMap((s) => s.getChildren('occupant-id', NS_OCCUPANT_ID));
  expect(ids).toHaveLength(1);
  const id = ids[0]!.attrs.id;
  expect(id).not.toBe('forged');
  h.clear();
  await h.join(BOB, 'Robert');
  expect(h.to(ALICE).every((s) => s.getChild('occupant-id', NS_OCCUPANT_ID)!.attrs.id === id)).toBe(true);
});

test('the non-anonymous room tells entering occupants with status 100 and shows real JIDs to all', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.configure(ALICE, { 'muc#roomconfig_whois': 'anyone' });
  h.clear();
  await h.join(BOB, 'Bob');
  expect(mucItem(h.to(BOB)[0])!.jid).toBe(ALICE);
  expect(statusCodes(h.to(BOB)[1]).sort()).toEqual([100, 110]);
});

test('entering again under the same nick replays the occupant list, history and subject', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  await h.say(ALICE, 'hello');
  h.clear();
  await h.join(BOB, 'Bob');
  expect(presenceSummary(h.to(BOB))).toEqual([`available ${ROOM}/Alice`, `available ${ROOM}/Bob`]);
  expect(statusCodes(h.to(BOB)[1])).toEqual([110]);
  expect(h.to(BOB).filter((s) => s.name === 'message').map((m) => m.getChildText('body') ?? 'subject')).toEqual(['hello', 'subject']);
  expect(presenceSummary(h.to(ALICE))).toEqual([`available ${ROOM}/Bob`]);
});

test('multi-session nick: a second resource of the same user joins the same occupant', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  h.clear();
  const BOB2 = 'bob@localhost/laptop';
  await h.join(BOB2, 'Bob');
  expect(presenceSummary(h.to(BOB2))).toEqual([`available ${ROOM}/Alice`, `available ${ROOM}/Bob`]);
  expect(h.to(ALICE)).toEqual([]); // still one occupant for the others
  h.clear();
  await h.say(ALICE, 'both of you');
  expect(h.to(BOB)).toHaveLength(1);
  expect(h.to(BOB2)).toHaveLength(1);
  await h.say(BOB2, 'from the laptop');
  expect(h.to(ALICE).at(-1)!.attrs.from).toBe(`${ROOM}/Bob`);
  // The primary session leaves: the other takes over, the occupant stays.
  h.clear();
  await h.leave(BOB, 'Bob');
  expect(statusCodes(h.to(BOB)[0])).toEqual([110]);
  expect(h.to(ALICE).map((p) => p.attrs.type ?? 'available')).toEqual(['available']);
  expect(mucItem(h.to(ALICE)[0])!.jid).toBe(BOB2);
  h.clear();
  await h.leave(BOB2, 'Bob');
  expect(presenceSummary(h.to(ALICE))).toEqual([`unavailable ${ROOM}/Bob`]);
  // Another user still cannot take a nick in use.
  await h.join(CAROL, 'Alice');
  expect(errorCondition(h.to(CAROL)[0])).toBe('conflict');
});

test('multi-session nick: a kick removes every session', async () => {
  const h = createMucHarness();
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  await h.join('bob@localhost/laptop', 'Bob');
  h.clear();
  await h.admin(ALICE, `<item nick='Bob' role='none'/>`);
  expect(statusCodes(h.to(BOB)[0]).sort()).toEqual([110, 307]);
  expect(statusCodes(h.to('bob@localhost/laptop')[0]).sort()).toEqual([110, 307]);
  h.clear();
  await h.say('bob@localhost/laptop', 'hm');
  expect(errorCondition(h.to('bob@localhost/laptop')[0])).toBe('not-acceptable');
});
