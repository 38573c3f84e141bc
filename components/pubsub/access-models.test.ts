// XEP-0060 §4.5 access models (open, presence, roster, whitelist, authorize with the §8.6 approval form).
import { NS_DATA_FORMS, NS_PUBSUB_EVENT } from './namespaces.js';
import { createHarness, createNode, errorOf, publish, pubsub, SERVICE, submitForm, subscribe } from './test-support/pubsub-harness.js';
import { xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';
const AUTH = 'http://jabber.org/protocol/pubsub#subscribe_authorization';

const items = (_who: string) => pubsub(xml('items', { node: 'n' }));

test('open: anyone subscribes and retrieves; an outcast is forbidden', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n');
  expect((await subscribe(h, BOB, 'n')).attrs.type).toBe('result');
  await h.store.setAffiliation(SERVICE, 'n', 'carol@localhost', 'outcast');
  expect(errorOf(await subscribe(h, 'carol@localhost/x', 'n'))).toBe('forbidden');
  expect(errorOf(await h.iq('carol@localhost/x', 'get', items('carol')))).toBe('forbidden');
});

test('presence: only contacts with a presence subscription to an owner (not-authorized/presence-subscription-required)', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#access_model': 'presence' });
  expect(errorOf(await subscribe(h, BOB, 'n'))).toBe('not-authorized/presence-subscription-required');
  expect(errorOf(await h.iq(BOB, 'get', items('bob')))).toBe('not-authorized/presence-subscription-required');
  h.rosters.set('alice@localhost', { version: 1, items: [{ jid: 'bob@localhost', subscription: 'from', groups: [] }], pendingIn: [] });
  expect((await subscribe(h, BOB, 'n')).attrs.type).toBe('result');
  expect((await h.iq(BOB, 'get', items('bob'))).attrs.type).toBe('result');
});

test('roster: only contacts in an allowed group (not-authorized/not-in-roster-group)', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#access_model': 'roster', 'pubsub#roster_groups_allowed': ['Friends'] });
  h.rosters.set('alice@localhost', { version: 1, items: [{ jid: 'bob@localhost', subscription: 'both', groups: ['Work'] }], pendingIn: [] });
  expect(errorOf(await subscribe(h, BOB, 'n'))).toBe('not-authorized/not-in-roster-group');
  h.rosters.set('alice@localhost', { version: 2, items: [{ jid: 'bob@localhost', subscription: 'both', groups: ['Friends'] }], pendingIn: [] });
  expect((await subscribe(h, BOB, 'n')).attrs.type).toBe('result');
});

test('whitelist: only affiliated entities (not-allowed/closed-node); members may', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#access_model': 'whitelist' });
  expect(errorOf(await subscribe(h, BOB, 'n'))).toBe('not-allowed/closed-node');
  expect(errorOf(await h.iq(BOB, 'get', items('bob')))).toBe('not-allowed/closed-node');
  await h.store.setAffiliation(SERVICE, 'n', 'bob@localhost', 'member');
  expect((await subscribe(h, BOB, 'n')).attrs.type).toBe('result');
  expect((await h.iq(BOB, 'get', items('bob'))).attrs.type).toBe('result');
});

test('authorize: the subscription is pending, owners get the approval form, approval subscribes (§8.6)', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#access_model': 'authorize' });
  const reply = await subscribe(h, BOB, 'n');
  expect(reply.getChild('pubsub')!.getChild('subscription')!.attrs.subscription).toBe('pending');
  expect(errorOf(await subscribe(h, BOB, 'n'))).toBe('not-authorized/pending-subscription');
  expect(errorOf(await h.iq(BOB, 'get', items('bob')))).toBe('not-authorized/not-subscribed');

  const request = h.sent.find((m) => m.attrs.to === 'alice@localhost')!;
  const form = request.getChild('x', NS_DATA_FORMS)!;
  const value = (name: string) => form.getChildren('field').find((f) => f.attrs.var === name)?.getChildText('value');
  expect(value('FORM_TYPE')).toBe(AUTH);
  expect(value('pubsub#subscriber_jid')).toBe(BOB);
  h.sent.length = 0;

  // Someone else's answer is ignored.
  const answer = (from: string, allow: string) =>
    h.message(xml('message', { from, to: SERVICE }, submitForm(AUTH, { 'pubsub#subid': value('pubsub#subid')!, 'pubsub#node': 'n', 'pubsub#subscriber_jid': BOB, 'pubsub#allow': allow })));
  await answer('mallory@localhost/x', 'true');
  expect((await h.store.listSubscriptions(SERVICE, 'n'))[0]!.state).toBe('pending');
  await answer(ALICE, 'true');
  expect((await h.store.listSubscriptions(SERVICE, 'n'))[0]!.state).toBe('subscribed');
  expect(h.sent.map((m) => m.getChild('event', NS_PUBSUB_EVENT)!.getChild('subscription')!.attrs)).toEqual([
    expect.objectContaining({ node: 'n', jid: BOB, subscription: 'subscribed' }),
  ]);
  await publish(h, ALICE, 'n', 'i');
  expect((await h.iq(BOB, 'get', items('bob'))).attrs.type).toBe('result');
});

test('authorize: a denial removes the pending subscription and tells the subscriber', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#access_model': 'authorize' });
  await subscribe(h, BOB, 'n');
  h.sent.length = 0;
  await h.message(xml('message', { from: ALICE, to: SERVICE }, submitForm(AUTH, { 'pubsub#node': 'n', 'pubsub#subscriber_jid': BOB, 'pubsub#allow': '0' })));
  expect(await h.store.listSubscriptions(SERVICE, 'n')).toEqual([]);
  expect(h.sent[0]!.getChild('event', NS_PUBSUB_EVENT)!.getChild('subscription')!.attrs.subscription).toBe('none');
});
