// The RFC 6121 §3 handshake between two users of the server, both sides processed here.
import { createHarness, errorCondition } from './test-support/roster-harness.js';

const JULIET = 'juliet@localhost';
const BALCONY = 'juliet@localhost/balcony';
const ROMEO = 'romeo@localhost';
const ORCHARD = 'romeo@localhost/orchard';

describe('subscribe', () => {
  test('subscribe from none creates pending out and pushes ask=subscribe', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '1', jid: ROMEO, subscription: 'none', ask: 'subscribe', groups: [] }]);
    expect((await h.rosters.get(JULIET)).items).toEqual([{ jid: ROMEO, subscription: 'none', ask: 'subscribe', groups: [] }]);
  });

  test('subscribe is delivered to the contact from the bare JID and stored as pending in with its status', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe', '<status>It is I</status><nick xmlns="http://jabber.org/protocol/nick">J</nick>');
    expect(h.presences()).toEqual([`subscribe ${JULIET} -> ${ROMEO}`]);
    const delivered = h.presenceStanzas()[0];
    expect(delivered.getChildText('status')).toBe('It is I');
    expect(delivered.getChild('nick', 'http://jabber.org/protocol/nick')).toBeDefined();
    expect(delivered.attrs.xmlns).toBe('jabber:client');
    const romeo = await h.rosters.get(ROMEO);
    expect(romeo.pendingIn).toEqual([{ jid: JULIET, status: 'It is I' }]);
    expect(romeo.items).toEqual([]); // not in Romeo's roster until he approves (RFC 6121 §3.1.3)
    // The push to Juliet comes before the request goes out (§3.1.2).
    expect(h.onBehalf().map((el) => el.name)).toEqual(['iq', 'presence']);
  });

  test('a repeated subscribe to a pending-in contact is not delivered again', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    h.clear();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    expect(h.presences()).toEqual([]);
    expect(h.pushes()).toEqual([]);
  });

  test('subscribe to a full JID is stamped and stored with bare JIDs', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ORCHARD, 'subscribe');
    expect(h.presences()).toEqual([`subscribe ${JULIET} -> ${ROMEO}`]);
  });

  test('subscribe with a full roster is refused with resource-constraint and nothing is stored', async () => {
    const h = createHarness({ maxItems: 1 });
    await h.rosterSet(BALCONY, `<item jid='nurse@localhost'/>`);
    h.clear();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    const [error] = h.presenceStanzas();
    expect(error.attrs).toMatchObject({ type: 'error', from: ROMEO, to: BALCONY });
    expect(errorCondition(error)).toBe('resource-constraint');
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
    expect(h.pushes()).toEqual([]);
  });

  test('subscribe to a contact that already granted it is auto-answered subscribed', async () => {
    const h = createHarness();
    await h.rosters.putMany([
      { owner: ROMEO, roster: { version: 3, items: [{ jid: JULIET, subscription: 'from', groups: [] }], pendingIn: [] } },
    ]);
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    // Juliet's side: none → pending out → to (the auto-reply), and she gets Romeo's presence.
    expect(h.pushes(JULIET).map((p) => [p.subscription, p.ask])).toEqual([
      ['none', 'subscribe'],
      ['to', undefined],
    ]);
    expect(h.presences()).toEqual([`subscribed ${ROMEO} -> ${JULIET}`, `probe ${JULIET} -> ${ROMEO}`]);
    expect(h.pushes(ROMEO)).toEqual([]);
  });

  test('subscribe to a local JID without an account is answered unsubscribed', async () => {
    const h = createHarness({ userExists: async (jid) => jid !== ROMEO });
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    expect(h.pushes(JULIET).map((p) => p.ask)).toEqual(['subscribe', undefined]);
    expect(h.presences()).toEqual([`unsubscribed ${ROMEO} -> ${JULIET}`]);
    expect((await h.rosters.get(ROMEO)).version).toBe(0);
  });
});

describe('approval', () => {
  test('subscribed to a pending-in contact moves both rosters to from/to', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    h.clear();
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    expect(h.pushes(ROMEO)).toEqual([{ owner: ROMEO, ver: '2', jid: JULIET, subscription: 'from', groups: [] }]);
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '2', jid: ROMEO, subscription: 'to', groups: [] }]);
    // Juliet learns of the approval, then gets Romeo's current presence through a probe (§3.1.5).
    expect(h.presences()).toEqual([`subscribed ${ROMEO} -> ${JULIET}`, `probe ${JULIET} -> ${ROMEO}`]);
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
  });

  test('a mutual handshake ends in both', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    await h.subscription(ORCHARD, JULIET, 'subscribe');
    await h.subscription(BALCONY, ROMEO, 'subscribed');
    expect((await h.rosters.get(JULIET)).items).toEqual([{ jid: ROMEO, subscription: 'both', groups: [] }]);
    expect((await h.rosters.get(ROMEO)).items).toEqual([{ jid: JULIET, subscription: 'both', groups: [] }]);
    expect((await h.rosters.get(JULIET)).pendingIn).toEqual([]);
  });

  test('approving with a full roster is refused and the request stays pending', async () => {
    const h = createHarness({ maxItems: 1 });
    await h.rosterSet(ORCHARD, `<item jid='nurse@localhost'/>`);
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    h.clear();
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    expect(errorCondition(h.presenceStanzas()[0])).toBe('resource-constraint');
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([{ jid: JULIET }]);
    expect((await h.rosters.get(JULIET)).items[0].ask).toBe('subscribe');
  });
});

describe('pre-approval (RFC 6121 §3.4)', () => {
  test('subscribed without a pending request records a pre-approval and sends nothing to the contact', async () => {
    const h = createHarness();
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    expect(h.pushes()).toEqual([{ owner: ROMEO, ver: '1', jid: JULIET, subscription: 'none', approved: 'true', groups: [] }]);
    expect(h.presences()).toEqual([]);
  });

  test('pre-approved subscribe is auto-answered', async () => {
    const h = createHarness();
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    h.clear();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    // Romeo is not asked; his roster shows Juliet as "from" without the approved flag.
    expect(h.pushes(ROMEO)).toEqual([{ owner: ROMEO, ver: '2', jid: JULIET, subscription: 'from', groups: [] }]);
    expect(h.pushes(JULIET).map((p) => p.subscription)).toEqual(['none', 'to']);
    expect(h.presences()).toEqual([`subscribed ${ROMEO} -> ${JULIET}`, `probe ${JULIET} -> ${ROMEO}`]);
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
  });

  test('unsubscribed cancels the pre-approval without routing anything', async () => {
    const h = createHarness();
    await h.subscription(ORCHARD, JULIET, 'subscribed');
    h.clear();
    await h.subscription(ORCHARD, JULIET, 'unsubscribed');
    expect(h.pushes()).toEqual([{ owner: ROMEO, ver: '2', jid: JULIET, subscription: 'none', groups: [] }]);
    expect(h.presences()).toEqual([]);
  });
});

describe('cancelling', () => {
  async function both() {
    const h = createHarness();
    await h.rosters.putMany([
      { owner: JULIET, roster: { version: 1, items: [{ jid: ROMEO, subscription: 'both', groups: [] }], pendingIn: [] } },
      { owner: ROMEO, roster: { version: 1, items: [{ jid: JULIET, subscription: 'both', groups: [] }], pendingIn: [] } },
    ]);
    return h;
  }

  test('unsubscribe from both leaves from/to and sends unavailable back to the unsubscriber', async () => {
    const h = await both();
    await h.subscription(BALCONY, ROMEO, 'unsubscribe');
    expect(h.pushes(JULIET).map((p) => p.subscription)).toEqual(['from']);
    expect(h.pushes(ROMEO).map((p) => p.subscription)).toEqual(['to']);
    expect(h.presences()).toEqual([`unsubscribe ${JULIET} -> ${ROMEO}`, `unavailable ${ROMEO} -> ${JULIET}`]);
  });

  test('unsubscribed revokes the contact\'s subscription, unavailable first', async () => {
    const h = await both();
    await h.subscription(BALCONY, ROMEO, 'unsubscribed');
    expect(h.pushes(JULIET).map((p) => p.subscription)).toEqual(['to']);
    expect(h.pushes(ROMEO).map((p) => p.subscription)).toEqual(['from']);
    expect(h.presences()).toEqual([`unavailable ${JULIET} -> ${ROMEO}`, `unsubscribed ${JULIET} -> ${ROMEO}`]);
  });

  test('unsubscribed denies a pending request: the requester\'s ask is cleared', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    h.clear();
    await h.subscription(ORCHARD, JULIET, 'unsubscribed');
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '2', jid: ROMEO, subscription: 'none', groups: [] }]);
    expect(h.pushes(ROMEO)).toEqual([]);
    expect(h.presences()).toEqual([`unsubscribed ${ROMEO} -> ${JULIET}`]);
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
  });

  test('unsubscribe withdraws a pending request from the contact', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'subscribe');
    h.clear();
    await h.subscription(BALCONY, ROMEO, 'unsubscribe');
    expect(h.pushes(JULIET).map((p) => p.ask)).toEqual([undefined]);
    expect(h.presences()).toEqual([`unsubscribe ${JULIET} -> ${ROMEO}`]);
    expect((await h.rosters.get(ROMEO)).pendingIn).toEqual([]);
  });

  test('stanzas that change nothing on the contact\'s side are not delivered', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, ROMEO, 'unsubscribed');
    await h.subscription(BALCONY, ROMEO, 'unsubscribe');
    expect(h.presences()).toEqual([]);
    expect(h.pushes()).toEqual([]);
  });
});

describe('contacts outside the users of the server', () => {
  test('a subscription to a remote contact is routed on the user\'s behalf (the router federates it, docs/s2s.md)', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, 'mercutio@example.net', 'subscribe');
    expect(h.pushes(JULIET).map((p) => p.jid)).toEqual(['mercutio@example.net']);
    expect(h.presences()).toEqual([`subscribe ${JULIET} -> mercutio@example.net`]);
  });

  test('a remote contact approving gets the inbound processing, and is probed', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, 'mercutio@example.net', 'subscribe');
    h.clear();
    await h.subscription('mercutio@example.net/verona', JULIET, 'subscribed');
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '2', jid: 'mercutio@example.net', subscription: 'to', groups: [] }]);
    expect(h.presences()).toEqual([`subscribed mercutio@example.net -> ${JULIET}`, `probe ${JULIET} -> mercutio@example.net`]);
  });

  test('a subscription request from a remote contact is pending in, and approving it is routed back', async () => {
    const h = createHarness();
    await h.subscription('mercutio@example.net', JULIET, 'subscribe');
    expect((await h.rosters.get(JULIET)).pendingIn).toEqual([{ jid: 'mercutio@example.net' }]);
    expect(h.presences()).toEqual([`subscribe mercutio@example.net -> ${JULIET}`]);
    h.clear();
    await h.subscription(BALCONY, 'mercutio@example.net', 'subscribed');
    expect(h.presences()).toEqual([`subscribed ${JULIET} -> mercutio@example.net`]);
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '2', jid: 'mercutio@example.net', subscription: 'from', groups: [] }]);
  });

  test('a subscription to a local service is routed on the user\'s behalf', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, 'pubsub.localhost', 'subscribe');
    expect(h.presences()).toEqual([`subscribe ${JULIET} -> pubsub.localhost`]);
  });

  test('a subscription from a local service to a user gets the inbound processing', async () => {
    const h = createHarness();
    await h.subscription(BALCONY, 'pubsub.localhost', 'subscribe');
    h.clear();
    await h.subscription('pubsub.localhost', JULIET, 'subscribed');
    expect(h.pushes(JULIET)).toEqual([{ owner: JULIET, ver: '2', jid: 'pubsub.localhost', subscription: 'to', groups: [] }]);
    expect(h.presences()).toEqual([`subscribed pubsub.localhost -> ${JULIET}`, `probe ${JULIET} -> pubsub.localhost`]);
  });
});
