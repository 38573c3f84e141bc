// Groupchat through the server's XEP-0033 multicast (muc.multicast): one stanza with the address
// of every occupant session; the room's address lists are reused until its sessions change.
import { createMucHarness, ROOM, SERVER } from './test-support/muc-harness.js';
import type { XmlElement } from './xml.js';

const ALICE = 'alice@localhost/home';
const BOB = 'bob@localhost/phone';
const BOB_LAPTOP = 'bob@localhost/laptop';
const CAROL = 'carol@localhost/desk';
const NS_ADDRESS = 'http://jabber.org/protocol/address';

async function say(h: ReturnType<typeof createMucHarness>, from: string, body: string): Promise<XmlElement> {
  h.clear();
  await h.say(from, body);
  const multicasts = h.sent.filter((s) => s.name === 'message' && s.attrs.to === SERVER);
  expect(multicasts).toHaveLength(1);
  return multicasts[0]!;
}

const addressesOf = (m: XmlElement) => m.getChild('addresses', NS_ADDRESS)!;
const jidsOf = (m: XmlElement) => addressesOf(m).getChildren('address').map((a) => [a.attrs.type, a.attrs.jid]);

test('a groupchat message is one stanza to the server with a blind address for every occupant session, the sender included', async () => {
  const h = createMucHarness({ multicast: true });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  const m = await say(h, BOB, 'hello');
  expect(m.attrs).toMatchObject({ type: 'groupchat', from: `${ROOM}/Bob`, to: SERVER });
  expect(m.getChildText('body')).toBe('hello');
  expect(jidsOf(m).sort()).toEqual([['bcc', ALICE], ['bcc', BOB]].sort());
});

test('the address list is reused while the sessions stay the same, and follows every entry, extra session, nick change and exit', async () => {
  const h = createMucHarness({ multicast: true });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  const first = await say(h, ALICE, 'one');
  const second = await say(h, BOB, 'two');
  expect(addressesOf(second)).toBe(addressesOf(first)); // nothing changed: the same list

  await h.join(CAROL, 'Carol');
  const withCarol = await say(h, ALICE, 'three');
  expect(jidsOf(withCarol).map(([, jid]) => jid).sort()).toEqual([ALICE, BOB, CAROL].sort());

  await h.join(BOB_LAPTOP, 'Bob'); // a second session of Bob's (multi-session nick)
  expect(jidsOf(await say(h, ALICE, 'four')).map(([, jid]) => jid).sort()).toEqual([ALICE, BOB, BOB_LAPTOP, CAROL].sort());

  await h.receive(`<presence from='${CAROL}' to='${ROOM}/Caroline'/>`); // nick change: same sessions
  const renamed = await say(h, ALICE, 'five');
  expect(jidsOf(renamed).map(([, jid]) => jid).sort()).toEqual([ALICE, BOB, BOB_LAPTOP, CAROL].sort());

  await h.leave(BOB_LAPTOP, 'Bob');
  await h.leave(CAROL, 'Caroline');
  const after = await say(h, ALICE, 'six');
  expect(jidsOf(after).map(([, jid]) => jid).sort()).toEqual([ALICE, BOB].sort());
});

test('a kicked occupant is not addressed any more', async () => {
  const h = createMucHarness({ multicast: true });
  await h.createInstantRoom(ALICE, 'Alice');
  await h.join(BOB, 'Bob');
  await h.join(CAROL, 'Carol');
  await say(h, ALICE, 'before');
  await h.admin(ALICE, `<item nick='Carol' role='none'/>`);
  expect(jidsOf(await say(h, ALICE, 'after')).map(([, jid]) => jid).sort()).toEqual([ALICE, BOB].sort());
});
