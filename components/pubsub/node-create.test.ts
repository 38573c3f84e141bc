// XEP-0060 §8.1 create, §8.2 configure, §8.3 default, §8.4 delete.
import { NS_DATA_FORMS } from './namespaces.js';
import { createHarness, createNode, errorOf, owner, publish, pubsub, SERVICE, submitForm, subscribe } from './test-support/pubsub-harness.js';
import { xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';
const CONFIG = 'http://jabber.org/protocol/pubsub#node_config';

describe('create', () => {
  test('creates a node with the default configuration and makes the creator owner', async () => {
    const h = createHarness();
    const reply = await h.iq(ALICE, 'set', pubsub(xml('create', { node: 'news' })));
    expect(reply.attrs).toMatchObject({ type: 'result', from: SERVICE, to: ALICE });
    expect((await h.store.getNode(SERVICE, 'news'))?.config.maxItems).toBe(10);
    expect(await h.store.getAffiliation(SERVICE, 'news', 'alice@localhost')).toBe('owner');
  });

  test('an instant node gets a generated id, returned in the result (§8.1.2)', async () => {
    const h = createHarness();
    const reply = await h.iq(ALICE, 'set', pubsub(xml('create')));
    const id = reply.getChild('pubsub')!.getChild('create')!.attrs.node!;
    expect(id).toMatch(/^id\d+$/);
    expect(await h.store.getNode(SERVICE, id)).toBeDefined();
  });

  test('create with a node_config form applies it (§8.1.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#max_items': '3', 'pubsub#title': 'News', 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true' });
    const config = (await h.store.getNode(SERVICE, 'news'))!.config;
    expect(config).toMatchObject({ maxItems: 3, title: 'News', accessModel: 'whitelist', persistItems: true });
  });

  test('creating an existing node is a conflict', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    expect(errorOf(await h.iq(BOB, 'set', pubsub(xml('create', { node: 'news' }))))).toBe('conflict');
  });

  test('an unknown access model is not-acceptable/unsupported-access-model; an unknown field not-acceptable', async () => {
    const h = createHarness();
    const form = (fields: Record<string, string>) => pubsub(xml('create', { node: 'n' }), xml('configure', {}, submitForm(CONFIG, fields)));
    expect(errorOf(await h.iq(ALICE, 'set', form({ 'pubsub#access_model': 'secret' })))).toBe('not-acceptable/unsupported-access-model');
    expect(errorOf(await h.iq(ALICE, 'set', form({ 'pubsub#colour': 'red' })))).toBe('not-acceptable');
    expect(await h.store.getNode(SERVICE, 'n')).toBeUndefined();
  });
});

describe('configure', () => {
  test('the owner gets the node_config form with the current values (§8.2.1)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#title': 'News' });
    const reply = await h.iq(ALICE, 'get', owner(xml('configure', { node: 'news' })));
    const x = reply.getChild('pubsub')!.getChild('configure')!.getChild('x', NS_DATA_FORMS)!;
    const value = (name: string) => x.getChildren('field').find((f) => f.attrs.var === name)?.getChildText('value');
    expect(value('FORM_TYPE')).toBe(CONFIG);
    expect(value('pubsub#title')).toBe('News');
    expect(value('pubsub#access_model')).toBe('open');
    expect(value('pubsub#max_items')).toBe('10');
  });

  test('a submitted form changes the configuration; max_items is bounded by the service (§8.2.4)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const reply = await h.iq(ALICE, 'set', owner(xml('configure', { node: 'news' }, submitForm(CONFIG, { 'pubsub#max_items': '999999', 'pubsub#deliver_payloads': '0' }))));
    expect(reply.attrs.type).toBe('result');
    expect((await h.store.getNode(SERVICE, 'news'))!.config).toMatchObject({ maxItems: 1000, deliverPayloads: false });
  });

  test('lowering max_items drops the oldest items at once and notifies their retraction', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#max_items': '5' });
    for (const id of ['a', 'b', 'c']) await publish(h, ALICE, 'news', id);
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    await h.iq(ALICE, 'set', owner(xml('configure', { node: 'news' }, submitForm(CONFIG, { 'pubsub#max_items': '1' }))));
    expect((await h.store.getItems(SERVICE, 'news')).items.map((i) => i.id)).toEqual(['c']);
    expect(h.sent[0]!.toString()).toContain('<retract id="a"/><retract id="b"/>');
  });

  test('max_items "max" means the service maximum', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#max_items': 'max' });
    expect((await h.store.getNode(SERVICE, 'news'))!.config.maxItems).toBe(1000);
  });

  test('configure by a non-owner is forbidden, of a missing node item-not-found, without node nodeid-required', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    expect(errorOf(await h.iq(BOB, 'get', owner(xml('configure', { node: 'news' }))))).toBe('forbidden');
    expect(errorOf(await h.iq(ALICE, 'get', owner(xml('configure', { node: 'nope' }))))).toBe('item-not-found');
    expect(errorOf(await h.iq(ALICE, 'get', owner(xml('configure'))))).toBe('bad-request/nodeid-required');
  });

  test('a cancelled form changes nothing (§8.2.6)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const reply = await h.iq(ALICE, 'set', owner(xml('configure', { node: 'news' }, submitForm(undefined, {}, 'cancel'))));
    expect(reply.attrs.type).toBe('result');
  });

  test('notify_config sends a configuration notification to subscribers', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#notify_config': '1' });
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    await h.iq(ALICE, 'set', owner(xml('configure', { node: 'news' }, submitForm(CONFIG, { 'pubsub#title': 'T' }))));
    expect(h.sent.map((s) => s.toString())).toEqual([expect.stringContaining('<configuration node="news"/>')]);
  });

  test('the default configuration form (§8.3)', async () => {
    const h = createHarness();
    const reply = await h.iq(ALICE, 'get', owner(xml('default')));
    expect(reply.getChild('pubsub')!.getChild('default')!.getChild('x', NS_DATA_FORMS)).toBeDefined();
  });
});

describe('delete', () => {
  test('the owner deletes the node; subscribers get <delete/> with the redirect (§8.4)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    const reply = await h.iq(ALICE, 'set', owner(xml('delete', { node: 'news' }, xml('redirect', { uri: 'xmpp:pubsub.localhost?;node=new' }))));
    expect(reply.attrs.type).toBe('result');
    expect(await h.store.getNode(SERVICE, 'news')).toBeUndefined();
    expect(await h.store.listSubscriptions(SERVICE, 'news')).toEqual([]);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.attrs.to).toBe(BOB);
    expect(h.sent[0]!.toString()).toContain('<delete node="news"><redirect uri="xmpp:pubsub.localhost?;node=new"/></delete>');
  });

  test('delete by a non-owner is forbidden; of a missing node item-not-found', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    expect(errorOf(await h.iq(BOB, 'set', owner(xml('delete', { node: 'news' }))))).toBe('forbidden');
    expect(errorOf(await h.iq(ALICE, 'set', owner(xml('delete', { node: 'nope' }))))).toBe('item-not-found');
  });
});
