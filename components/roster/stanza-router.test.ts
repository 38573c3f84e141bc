// What reaches the component besides the roster work: disco, unhandled stanzas, the error
// boundary and shedding.
import type { Roster, RosterStore } from '../../shared/storage/types.js';
import { MemoryRosterStore } from './test-support/memory-roster-store.js';
import { COMPONENT, createHarness, errorCondition, NS_ROSTER, SERVER } from './test-support/roster-harness.js';

test('disco#info on the component domain answers its identity and features', async () => {
  const h = createHarness();
  await h.receive(`<iq type='get' id='d1' from='juliet@localhost/balcony' to='${COMPONENT}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
  expect(h.sent).toHaveLength(1);
  expect(h.sent[0].toString()).toBe(
    `<iq type="result" id="d1" from="${COMPONENT}" to="juliet@localhost/balcony"><query xmlns="http://jabber.org/protocol/disco#info">` +
      `<identity category="component" type="presence" name="Pampero roster"/>` +
      `<feature var="http://jabber.org/protocol/disco#info"/><feature var="jabber:iq:roster"/><feature var="urn:xmpp:delegation:2"/></query></iq>`,
  );
});

test('disco#info on the delegated roster node lists the roster namespace; other nodes are item-not-found', async () => {
  const h = createHarness();
  await h.receive(`<iq type='get' id='d2' from='${SERVER}' to='${COMPONENT}'><query xmlns='http://jabber.org/protocol/disco#info' node='urn:xmpp:delegation:2::jabber:iq:roster'/></iq>`);
  await h.receive(`<iq type='get' id='d3' from='${SERVER}' to='${COMPONENT}'><query xmlns='http://jabber.org/protocol/disco#info' node='other'/></iq>`);
  expect(h.sent[0].getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toEqual(['jabber:iq:roster']);
  expect(errorCondition(h.sent[1])).toBe('item-not-found');
});

test.each([
  ['an unknown IQ', `<iq type='get' id='x' from='juliet@localhost/b' to='${COMPONENT}'><query xmlns='jabber:iq:version'/></iq>`],
  ['disco#items', `<iq type='get' id='x' from='juliet@localhost/b' to='${COMPONENT}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`],
  ['a message', `<message id='x' from='juliet@localhost/b' to='${COMPONENT}'><body>hi</body></message>`],
  ['a presence subscription addressed to the component', `<presence type='subscribe' id='x' from='juliet@localhost/b' to='${COMPONENT}'/>`],
])('%s gets service-unavailable', async (_what, stanza) => {
  const h = createHarness();
  await h.receive(stanza);
  expect(h.sent).toHaveLength(1);
  expect(h.sent[0].attrs).toMatchObject({ type: 'error', id: 'x', from: COMPONENT, to: 'juliet@localhost/b' });
  expect(errorCondition(h.sent[0])).toBe('service-unavailable');
});

test.each([
  ['an IQ result', `<iq type='result' id='x' from='${SERVER}' to='${COMPONENT}'/>`],
  ['an IQ error', `<iq type='error' id='x' from='${SERVER}' to='${COMPONENT}'/>`],
  ['a message error', `<message type='error' from='${SERVER}' to='${COMPONENT}'/>`],
  ['a presence error', `<presence type='error' from='${SERVER}' to='${COMPONENT}'/>`],
])('%s is never answered', async (_what, stanza) => {
  const h = createHarness();
  await h.receive(stanza);
  expect(h.sent).toEqual([]);
});

test('delegation from anyone but the server is forbidden', async () => {
  const h = createHarness();
  await h.receive(
    `<iq type='set' id='o1' from='evil.example' to='${COMPONENT}'><delegation xmlns='urn:xmpp:delegation:2'><forwarded xmlns='urn:xmpp:forward:0'>` +
      `<iq xmlns='jabber:client' type='get' id='c1' from='juliet@localhost/b'><query xmlns='${NS_ROSTER}'/></iq></forwarded></delegation></iq>`,
  );
  expect(h.sent[0].attrs).toMatchObject({ type: 'error', id: 'o1', to: 'evil.example' });
  expect(errorCondition(h.sent[0])).toBe('forbidden');
});

test('privileged subscription presence from anyone but the server is ignored', async () => {
  const h = createHarness();
  await h.receive(
    `<message from='evil.example' to='${COMPONENT}'><privilege xmlns='urn:xmpp:privilege:2'><forwarded xmlns='urn:xmpp:forward:0'>` +
      `<presence xmlns='jabber:client' type='subscribe' from='juliet@localhost/b' to='romeo@localhost'/></forwarded></privilege></message>`,
  );
  expect(h.sent).toEqual([]);
  expect((await h.rosters.get('juliet@localhost')).version).toBe(0);
});

test('a delegated IQ of another namespace is answered service-unavailable inside the envelope', async () => {
  const h = createHarness();
  const reply = await h.rosterIq('juliet@localhost/b', 'get', `<query xmlns='jabber:iq:private'/>`);
  expect(reply.attrs).toMatchObject({ type: 'error', to: 'juliet@localhost/b' });
  expect(errorCondition(reply)).toBe('service-unavailable');
});

class BrokenStore extends MemoryRosterStore implements RosterStore {
  override async get(): Promise<Roster> {
    throw new Error('disk on fire');
  }
}

test('a roster get whose store throws becomes internal-server-error for the client', async () => {
  const h = createHarness({ rosters: new BrokenStore() });
  const reply = await h.rosterGet('juliet@localhost/b');
  expect(reply.attrs).toMatchObject({ type: 'error', from: 'juliet@localhost', to: 'juliet@localhost/b' });
  expect(errorCondition(reply)).toBe('internal-server-error');
  expect(h.sent).toHaveLength(1);
});

test('a presence whose store throws is dropped without an answer', async () => {
  const h = createHarness({ rosters: new BrokenStore() });
  await h.broadcast('juliet@localhost/b', { initial: true });
  expect(h.sent).toEqual([]);
});

class StalledStore extends MemoryRosterStore implements RosterStore {
  release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  override async get(owner: string): Promise<Roster> {
    await this.gate;
    return super.get(owner);
  }
}

test('beyond the user\'s queue limit a roster IQ gets resource-constraint and presence is dropped', async () => {
  const store = new StalledStore();
  const h = createHarness({ rosters: store, queueLimits: { maxPerUser: 1 } });
  const first = h.rosterGet('juliet@localhost/b');
  const shedIq = await h.rosterGet('juliet@localhost/b');
  expect(errorCondition(shedIq)).toBe('resource-constraint');
  expect(shedIq.getChild('error')!.attrs.type).toBe('wait');
  const before = h.sent.length;
  await h.broadcast('juliet@localhost/b');
  expect(h.sent.length).toBe(before);
  // Another user is not affected.
  const other = h.rosterGet('romeo@localhost/o');
  store.release();
  expect((await first).attrs.type).toBe('result');
  expect((await other).attrs.type).toBe('result');
});

test('a subscription presence shed by a full queue is refused with a presence error, not dropped', async () => {
  const store = new StalledStore();
  const h = createHarness({ rosters: store, queueLimits: { maxPerUser: 1 } });
  const first = h.rosterGet('juliet@localhost/b');
  await h.subscription('juliet@localhost/b', 'romeo@localhost', 'subscribe');
  const [refusal] = h.presenceStanzas();
  expect(refusal.attrs).toMatchObject({ type: 'error', from: 'romeo@localhost', to: 'juliet@localhost/b' });
  expect(errorCondition(refusal)).toBe('resource-constraint');
  store.release();
  await first;
});
