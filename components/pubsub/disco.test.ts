// XEP-0060 §5 service discovery: the service (§5.1), its nodes (§5.2), a node (§5.3/§5.4), its items (§5.5).
import { NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS } from './namespaces.js';
import { createHarness, createNode, errorOf, publish, SERVICE } from './test-support/pubsub-harness.js';
import { xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';

test('the service is a pubsub service with its features (§5.1)', async () => {
  const h = createHarness();
  const reply = await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_INFO }));
  const query = reply.getChild('query', NS_DISCO_INFO)!;
  expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'pubsub', type: 'service' });
  const features = query.getChildren('feature').map((f) => f.attrs.var);
  expect(features).toEqual(expect.arrayContaining(['http://jabber.org/protocol/pubsub', 'http://jabber.org/protocol/pubsub#publish', 'http://jabber.org/protocol/pubsub#access-authorize']));
});

test('disco#items lists the nodes (§5.2)', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'b');
  await createNode(h, ALICE, 'a');
  const reply = await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_ITEMS }));
  expect(reply.getChild('query', NS_DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs)).toEqual([
    { jid: SERVICE, node: 'a' },
    { jid: SERVICE, node: 'b' },
  ]);
});

test('a node is a leaf with its meta-data form (§5.4); a missing node item-not-found', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n', { 'pubsub#title': 'Title' });
  const reply = await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_INFO, node: 'n' }));
  const query = reply.getChild('query', NS_DISCO_INFO)!;
  expect(query.getChild('identity')!.attrs).toMatchObject({ category: 'pubsub', type: 'leaf' });
  const form = query.getChild('x', NS_DATA_FORMS)!;
  const value = (name: string) => form.getChildren('field').find((f) => f.attrs.var === name)?.getChildText('value');
  expect(value('FORM_TYPE')).toBe('http://jabber.org/protocol/pubsub#meta-data');
  expect(value('pubsub#title')).toBe('Title');
  expect(value('pubsub#creator')).toBe('alice@localhost');
  expect(errorOf(await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_INFO, node: 'zz' })))).toBe('item-not-found');
});

test("disco#items of a node lists its items' ids (§5.5), respecting the access model", async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'n');
  await createNode(h, ALICE, 'closed', { 'pubsub#access_model': 'whitelist' });
  await publish(h, ALICE, 'n', 'one');
  const reply = await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_ITEMS, node: 'n' }));
  expect(reply.getChild('query', NS_DISCO_ITEMS)!.getChildren('item').map((i) => i.attrs)).toEqual([{ jid: SERVICE, name: 'one' }]);
  expect(errorOf(await h.iq(BOB, 'get', xml('query', { xmlns: NS_DISCO_ITEMS, node: 'closed' })))).toBe('not-allowed/closed-node');
});
