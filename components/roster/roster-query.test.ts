// jabber:iq:roster get/set through the delegation envelope (RFC 6121 §2, XEP-0237).
import type { Roster } from '../../shared/storage/types.js';
import { MAX_NAME_LENGTH } from './roster-query.js';
import { COMPONENT, createHarness, errorCondition, NS_ROSTER, SERVER } from './test-support/roster-harness.js';
import { childElements } from '../../shared/component/xmpp-bindings.js';

const JULIET = 'juliet@localhost';
const BALCONY = 'juliet@localhost/balcony';
const ROMEO = 'romeo@localhost';

function roster(items: Roster['items'], version = 7, pendingIn: Roster['pendingIn'] = []): Roster {
  return { version, items, pendingIn };
}

describe('roster get', () => {
  test('roster get returns items with jid, name, subscription, ask, approved, groups and the version', async () => {
    const h = createHarness();
    await h.rosters.putMany([
      {
        owner: JULIET,
        roster: roster([
          { jid: ROMEO, name: 'Romeo', subscription: 'both', groups: ['Friends', 'Verona'] },
          { jid: 'nurse@localhost', subscription: 'none', ask: 'subscribe', groups: [] },
          { jid: 'benvolio@localhost', subscription: 'to', approved: true, groups: [] },
        ]),
      },
    ]);
    const reply = await h.rosterGet(BALCONY);
    expect(reply.attrs).toMatchObject({ type: 'result', from: JULIET, to: BALCONY });
    const query = reply.getChild('query', NS_ROSTER)!;
    expect(query.attrs.ver).toBe('7');
    expect(childElements(query).map((item) => item.toString())).toEqual([
      '<item jid="romeo@localhost" name="Romeo" subscription="both"><group>Friends</group><group>Verona</group></item>',
      '<item jid="nurse@localhost" subscription="none" ask="subscribe"/>',
      '<item jid="benvolio@localhost" subscription="to" approved="true"/>',
    ]);
  });

  test('roster get with current ver returns empty result', async () => {
    const h = createHarness();
    await h.rosters.putMany([{ owner: JULIET, roster: roster([{ jid: ROMEO, subscription: 'both', groups: [] }], 3) }]);
    const reply = await h.rosterGet(BALCONY, '3');
    expect(reply.attrs.type).toBe('result');
    expect(reply.children).toEqual([]);
  });

  test('roster get with a stale ver returns the whole roster with the current ver', async () => {
    const h = createHarness();
    await h.rosters.putMany([{ owner: JULIET, roster: roster([{ jid: ROMEO, subscription: 'both', groups: [] }], 3) }]);
    const reply = await h.rosterGet(BALCONY, '2');
    const query = reply.getChild('query', NS_ROSTER)!;
    expect(query.attrs.ver).toBe('3');
    expect(query.getChildren('item')).toHaveLength(1);
  });

  test('roster get of a user with no roster returns an empty roster at version 0', async () => {
    const h = createHarness();
    const reply = await h.rosterGet(BALCONY, '');
    expect(reply.getChild('query', NS_ROSTER)!.toString()).toBe(`<query xmlns="${NS_ROSTER}" ver="0"/>`);
  });

  test('the delegated answer goes back in the XEP-0355 envelope, to the server', async () => {
    const h = createHarness();
    await h.rosterGet(BALCONY);
    const outer = h.sent.find((el) => el.name === 'iq')!;
    expect(outer.attrs).toMatchObject({ type: 'result', from: COMPONENT, to: SERVER });
    expect(outer.getChild('delegation', 'urn:xmpp:delegation:2')?.getChild('forwarded', 'urn:xmpp:forward:0')).toBeDefined();
  });
});

describe('roster set', () => {
  test('roster set adds an item, answers result, then pushes it to the bare JID with the new ver', async () => {
    const h = createHarness();
    const reply = await h.rosterSet(BALCONY, `<item jid='Nurse@LOCALHOST' name='Nurse'><group>Servants</group></item>`);
    expect(reply.attrs).toMatchObject({ type: 'result', from: JULIET, to: BALCONY });
    expect(reply.children).toEqual([]);
    expect(h.pushes()).toEqual([
      { owner: JULIET, ver: '1', jid: 'nurse@localhost', subscription: 'none', name: 'Nurse', groups: ['Servants'] },
    ]);
    // The answer to the requester comes before the push (RFC 6121 §2.3.2).
    expect(h.sent[0].name).toBe('iq');
    expect(h.sent[1].name).toBe('message');
  });

  test('roster set updating name and groups keeps the subscription state', async () => {
    const h = createHarness();
    await h.rosters.putMany([{ owner: JULIET, roster: roster([{ jid: ROMEO, subscription: 'from', ask: 'subscribe', groups: ['Old'] }], 4) }]);
    await h.rosterSet(BALCONY, `<item jid='${ROMEO}' name='R'><group>New</group></item>`);
    expect(h.pushes()).toEqual([
      { owner: JULIET, ver: '5', jid: ROMEO, subscription: 'from', ask: 'subscribe', name: 'R', groups: ['New'] },
    ]);
  });

  test('roster set ignores subscription values other than remove, and ask (RFC 6121 §2.1.2)', async () => {
    const h = createHarness();
    const reply = await h.rosterSet(BALCONY, `<item jid='${ROMEO}' subscription='both' ask='subscribe' approved='true'/>`);
    expect(reply.attrs.type).toBe('result');
    expect(h.pushes()).toEqual([{ owner: JULIET, ver: '1', jid: ROMEO, subscription: 'none', groups: [] }]);
  });

  test('a roster set that changes nothing answers result without a push or a new version', async () => {
    const h = createHarness();
    await h.rosters.putMany([{ owner: JULIET, roster: roster([{ jid: ROMEO, name: 'R', subscription: 'both', groups: ['A'] }], 4) }]);
    const reply = await h.rosterSet(BALCONY, `<item jid='${ROMEO}' name='R'><group>A</group></item>`);
    expect(reply.attrs.type).toBe('result');
    expect(h.pushes()).toEqual([]);
    expect((await h.rosters.get(JULIET)).version).toBe(4);
  });

  test.each([
    ['two items', `<item jid='a@localhost'/><item jid='b@localhost'/>`, 'bad-request'],
    ['no item', ``, 'bad-request'],
    ['an item without jid', `<item name='x'/>`, 'bad-request'],
    ['duplicate groups', `<item jid='a@localhost'><group>G</group><group>G</group></item>`, 'bad-request'],
    ['an empty group name', `<item jid='a@localhost'><group></group></item>`, 'not-acceptable'],
    ['a blank group name', `<item jid='a@localhost'><group>  </group></item>`, 'not-acceptable'],
    ['a name too long', `<item jid='a@localhost' name='${'n'.repeat(MAX_NAME_LENGTH + 1)}'/>`, 'not-acceptable'],
    ['a malformed jid', `<item jid='a@@localhost'/>`, 'jid-malformed'],
  ])('roster set with %s is refused with %s and changes nothing', async (_what, items, condition) => {
    const h = createHarness();
    const reply = await h.rosterIq(BALCONY, 'set', `<query xmlns='${NS_ROSTER}'>${items}</query>`);
    expect(reply.attrs).toMatchObject({ type: 'error', from: JULIET, to: BALCONY });
    expect(errorCondition(reply)).toBe(condition);
    expect(h.pushes()).toEqual([]);
    expect((await h.rosters.get(JULIET)).version).toBe(0);
  });

  test('roster set beyond maxItems gets resource-constraint and changes nothing', async () => {
    const h = createHarness({ maxItems: 2 });
    await h.rosterSet(BALCONY, `<item jid='a@localhost'/>`);
    await h.rosterSet(BALCONY, `<item jid='b@localhost'/>`);
    h.clear();
    const reply = await h.rosterSet(BALCONY, `<item jid='c@localhost'/>`);
    expect(errorCondition(reply)).toBe('resource-constraint');
    expect(reply.getChild('error')!.attrs.type).toBe('cancel');
    expect(h.pushes()).toEqual([]);
    const stored = await h.rosters.get(JULIET);
    expect(stored.items.map((i) => i.jid)).toEqual(['a@localhost', 'b@localhost']);
    // Updating an existing item still works on a full roster.
    expect((await h.rosterSet(BALCONY, `<item jid='a@localhost' name='A'/>`)).attrs.type).toBe('result');
  });

  test('a roster IQ for someone else\'s roster is forbidden', async () => {
    const h = createHarness();
    const inner = `<iq type='get' id='x1' from='${BALCONY}' to='${ROMEO}'><query xmlns='${NS_ROSTER}'/></iq>`;
    await h.receive(
      `<iq type='set' id='o1' from='${SERVER}' to='${COMPONENT}'><delegation xmlns='urn:xmpp:delegation:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></delegation></iq>`,
    );
    const outer = h.sent.find((el) => el.attrs.id === 'o1')!;
    const answer = outer.getChild('delegation', 'urn:xmpp:delegation:2')!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('iq')!;
    expect(answer.attrs).toMatchObject({ type: 'error', id: 'x1', to: BALCONY });
    expect(errorCondition(answer)).toBe('forbidden');
  });
});

describe('roster remove', () => {
  test('removing an unknown item is item-not-found', async () => {
    const h = createHarness();
    const reply = await h.rosterSet(BALCONY, `<item jid='${ROMEO}' subscription='remove'/>`);
    expect(errorCondition(reply)).toBe('item-not-found');
  });

  test('removing a "both" contact pushes the removal and cancels both subscriptions on the user\'s behalf', async () => {
    const h = createHarness();
    await h.rosters.putMany([
      { owner: JULIET, roster: roster([{ jid: ROMEO, subscription: 'both', groups: [] }], 2) },
      { owner: ROMEO, roster: roster([{ jid: JULIET, subscription: 'both', groups: [] }], 5) },
    ]);
    const reply = await h.rosterSet(BALCONY, `<item jid='${ROMEO}' subscription='remove'/>`);
    expect(reply.attrs.type).toBe('result');
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '3', jid: ROMEO, subscription: 'remove', groups: [] }]);
    // Romeo loses "from" by the unsubscribe, then "to" by the unsubscribed (RFC 6121 §2.5.2).
    expect(h.pushes(ROMEO).map((p) => p.subscription)).toEqual(['to', 'none']);
    expect(h.presences()).toEqual([
      `unsubscribe ${JULIET} -> ${ROMEO}`,
      `unavailable ${ROMEO} -> ${JULIET}`,
      `unavailable ${JULIET} -> ${ROMEO}`,
      `unsubscribed ${JULIET} -> ${ROMEO}`,
    ]);
    expect((await h.rosters.get(JULIET)).items).toEqual([]);
    expect((await h.rosters.get(ROMEO)).items).toEqual([{ jid: JULIET, subscription: 'none', groups: [] }]);
  });

  test('removing a pending-out contact withdraws the request from the contact', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([{ jid: JULIET }]);
    h.clear();
    await h.rosterSet(BALCONY, `<item jid='${ROMEO}' subscription='remove'/>`);
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
    expect(h.presences()).toEqual([`unsubscribe ${JULIET} -> ${ROMEO}`]);
  });

  test('removing a contact whose request is pending denies it', async () => {
    const h = createHarness();
    await h.rosterSet(BALCONY, `<item jid='${ROMEO}'/>`);
    await h.subscription('romeo@localhost/orchard', JULIET, 'subscribe');
    h.clear();
    await h.rosterSet(BALCONY, `<item jid='${ROMEO}' subscription='remove'/>`);
    expect(h.presences()).toEqual([`unsubscribed ${JULIET} -> ${ROMEO}`]);
    expect(h.pushes(ROMEO)).toEqual([{ owner: ROMEO, ver: expect.any(String), jid: JULIET, subscription: 'none', groups: [] }]);
    expect((await h.rosters.get(JULIET)).pendingIn).toEqual([]);
  });
});
