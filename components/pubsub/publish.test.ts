// XEP-0060 §7.1 publish (with publish-options §7.1.5 and auto-create §7.1.4), §7.2 retract, §8.5 purge.
import { NS_PUBSUB_EVENT } from './namespaces.js';
import { createHarness, createNode, entry, errorOf, owner, publish, pubsub, SERVICE, submitForm, subscribe } from './test-support/pubsub-harness.js';
import { xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';
const CAROL = 'carol@localhost/home';
const OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

describe('publish', () => {
  test('publishing returns the item id; subscribers get the notification with the payload (§7.1.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await subscribe(h, BOB, 'news');
    await subscribe(h, CAROL, 'news', 'carol@localhost');
    h.sent.length = 0;
    const reply = await publish(h, ALICE, 'news', 'first', entry('Hello'));
    expect(reply.getChild('pubsub')!.getChild('publish')!.toString()).toBe('<publish node="news"><item id="first"/></publish>');
    expect(h.sent.map((m) => m.attrs.to).sort()).toEqual([BOB, 'carol@localhost']);
    const items = h.sent[0]!.getChild('event', NS_PUBSUB_EVENT)!.getChild('items')!;
    expect(items.attrs.node).toBe('news');
    expect(items.getChild('item')!.toString()).toContain('<title>Hello</title>');
  });

  test('without an id the service generates one (§7.1.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const reply = await publish(h, ALICE, 'news', undefined);
    const id = reply.getChild('pubsub')!.getChild('publish')!.getChild('item')!.attrs.id;
    expect(id).toMatch(/^id\d+$/);
    expect(await h.store.getItem(SERVICE, 'news', id!)).toBeDefined();
  });

  test('deliver_payloads off: notifications carry no payload', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#deliver_payloads': '0' });
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    await publish(h, ALICE, 'news', 'a');
    expect(h.sent[0]!.getChild('event', NS_PUBSUB_EVENT)!.getChild('items')!.toString()).toBe('<items node="news"><item id="a" publisher="alice@localhost"/></items>');
  });

  test('max_items is enforced at publish; the items it pushes out are not notified as retracted', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#max_items': '2' });
    await subscribe(h, BOB, 'news');
    for (const id of ['a', 'b', 'c']) await publish(h, ALICE, 'news', id);
    const page = await h.store.getItems(SERVICE, 'news');
    expect(page.items.map((i) => i.id)).toEqual(['c', 'b']);
    expect(h.sent.some((m) => m.toString().includes('<retract'))).toBe(false);
  });

  test('republishing an id replaces the item (§7.1.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await publish(h, ALICE, 'news', 'a', entry('one'));
    await publish(h, ALICE, 'news', 'b');
    await publish(h, ALICE, 'news', 'a', entry('two'));
    const page = await h.store.getItems(SERVICE, 'news');
    expect(page.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(page.items[0]!.payload).toContain('two');
  });

  test('error cases: forbidden, nodeid-required, payload rules, payload-too-big (§7.1.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#max_payload_size': '100' });
    expect(errorOf(await publish(h, BOB, 'news', 'x'))).toBe('forbidden');
    expect(errorOf(await h.iq(ALICE, 'set', pubsub(xml('publish', {}, xml('item', {}, entry('x'))))))).toBe('bad-request/nodeid-required');
    expect(errorOf(await h.iq(ALICE, 'set', pubsub(xml('publish', { node: 'news' }, xml('item', { id: 'e' })))))).toBe('bad-request/payload-required');
    expect(errorOf(await h.iq(ALICE, 'set', pubsub(xml('publish', { node: 'news' }))))).toBe('bad-request/item-required');
    expect(errorOf(await h.iq(ALICE, 'set', pubsub(xml('publish', { node: 'news' }, xml('item', {}, entry('a'), entry('b'))))))).toBe('bad-request/invalid-payload');
    expect(errorOf(await publish(h, ALICE, 'news', 'big', entry('x'.repeat(200))))).toBe('not-acceptable/payload-too-big');
  });

  test('a notification-only transient node refuses payloads (item-forbidden) and notifies without items stored', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'ping', { 'pubsub#persist_items': '0', 'pubsub#deliver_payloads': '0' });
    await subscribe(h, BOB, 'ping');
    expect(errorOf(await publish(h, ALICE, 'ping', 'x'))).toBe('bad-request/item-forbidden');
    h.sent.length = 0;
    expect((await h.iq(ALICE, 'set', pubsub(xml('publish', { node: 'ping' }, xml('item', { id: 'n' }))))).attrs.type).toBe('result');
    expect(h.sent).toHaveLength(1);
    expect((await h.store.getItems(SERVICE, 'ping')).count).toBe(0);
  });

  test('publish model open lets anyone publish; subscribers lets subscribers', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'open', { 'pubsub#publish_model': 'open' });
    await createNode(h, ALICE, 'subs', { 'pubsub#publish_model': 'subscribers' });
    expect((await publish(h, BOB, 'open', 'x')).attrs.type).toBe('result');
    expect(errorOf(await publish(h, BOB, 'subs', 'x'))).toBe('forbidden');
    await subscribe(h, BOB, 'subs');
    expect((await publish(h, BOB, 'subs', 'x')).attrs.type).toBe('result');
  });

  test('publish-options that match publish; others fail with conflict/precondition-not-met (§7.1.5)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#access_model': 'whitelist' });
    const withOptions = (fields: Record<string, string>) =>
      h.iq(ALICE, 'set', pubsub(xml('publish', { node: 'news' }, xml('item', { id: 'i' }, entry('x'))), xml('publish-options', {}, submitForm(OPTIONS, fields))));
    expect((await withOptions({ 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true' })).attrs.type).toBe('result');
    expect(errorOf(await withOptions({ 'pubsub#access_model': 'open' }))).toBe('conflict/precondition-not-met');
    expect(errorOf(await withOptions({ 'pubsub#unknown': 'x' }))).toBe('conflict/precondition-not-met');
  });

  test('publishing to a missing node auto-creates it with the publish-options (§7.1.4)', async () => {
    const h = createHarness();
    const reply = await h.iq(
      ALICE,
      'set',
      pubsub(xml('publish', { node: 'auto' }, xml('item', { id: 'i' }, entry('x'))), xml('publish-options', {}, submitForm(OPTIONS, { 'pubsub#max_items': '5' }))),
    );
    expect(reply.attrs.type).toBe('result');
    expect((await h.store.getNode(SERVICE, 'auto'))!.config.maxItems).toBe(5);
    expect(await h.store.getAffiliation(SERVICE, 'auto', 'alice@localhost')).toBe('owner');
  });

  test('without auto-create, publishing to a missing node is item-not-found', async () => {
    const h = createHarness({ autoCreate: false });
    expect(errorOf(await publish(h, ALICE, 'nope', 'x'))).toBe('item-not-found');
  });
});

describe('retract', () => {
  test('a publisher retracts an item; with notify subscribers get <retract/> (§7.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#notify_retract': '0' });
    await publish(h, ALICE, 'news', 'a');
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    const reply = await h.iq(ALICE, 'set', pubsub(xml('retract', { node: 'news', notify: 'true' }, xml('item', { id: 'a' }))));
    expect(reply.attrs.type).toBe('result');
    expect(await h.store.getItem(SERVICE, 'news', 'a')).toBeUndefined();
    expect(h.sent.map((m) => m.getChild('event', NS_PUBSUB_EVENT)!.toString())).toEqual([
      `<event xmlns="${NS_PUBSUB_EVENT}"><items node="news"><retract id="a"/></items></event>`,
    ]);
  });

  test('without notify and notify_retract off, nobody is told', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#notify_retract': '0' });
    await publish(h, ALICE, 'news', 'a');
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    await h.iq(ALICE, 'set', pubsub(xml('retract', { node: 'news' }, xml('item', { id: 'a' }))));
    expect(h.sent).toEqual([]);
  });

  test('error cases: forbidden, item-not-found, item-required, nodeid-required, transient node (§7.2.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await createNode(h, ALICE, 'transient', { 'pubsub#persist_items': '0' });
    await publish(h, ALICE, 'news', 'a');
    const retract = (who: string, attrs: Record<string, string>, id?: string) => h.iq(who, 'set', pubsub(xml('retract', attrs, id ? xml('item', { id }) : null)));
    expect(errorOf(await retract(BOB, { node: 'news' }, 'a'))).toBe('forbidden');
    expect(errorOf(await retract(ALICE, { node: 'news' }, 'zz'))).toBe('item-not-found');
    expect(errorOf(await retract(ALICE, { node: 'news' }))).toBe('bad-request/item-required');
    expect(errorOf(await retract(ALICE, {}, 'a'))).toBe('bad-request/nodeid-required');
    expect(errorOf(await retract(ALICE, { node: 'transient' }, 'a'))).toBe('feature-not-implemented/unsupported:persistent-items');
  });

  test('a publish-only entity retracts its own items only', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await h.store.setAffiliation(SERVICE, 'news', 'bob@localhost', 'publish-only');
    await publish(h, ALICE, 'news', 'alices');
    await publish(h, BOB, 'news', 'bobs');
    expect(errorOf(await h.iq(BOB, 'set', pubsub(xml('retract', { node: 'news' }, xml('item', { id: 'alices' })))))).toBe('forbidden');
    expect((await h.iq(BOB, 'set', pubsub(xml('retract', { node: 'news' }, xml('item', { id: 'bobs' }))))).attrs.type).toBe('result');
  });
});

describe('purge', () => {
  test('the owner purges all items; subscribers get <purge/> (§8.5)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await publish(h, ALICE, 'news', 'a');
    await publish(h, ALICE, 'news', 'b');
    await subscribe(h, BOB, 'news');
    h.sent.length = 0;
    expect((await h.iq(ALICE, 'set', owner(xml('purge', { node: 'news' })))).attrs.type).toBe('result');
    expect((await h.store.getItems(SERVICE, 'news')).count).toBe(0);
    expect(h.sent[0]!.toString()).toContain('<purge node="news"/>');
  });

  test('purge by a non-owner is forbidden; of a missing node item-not-found; of a transient node unsupported', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await createNode(h, ALICE, 'transient', { 'pubsub#persist_items': '0' });
    expect(errorOf(await h.iq(BOB, 'set', owner(xml('purge', { node: 'news' }))))).toBe('forbidden');
    expect(errorOf(await h.iq(ALICE, 'set', owner(xml('purge', { node: 'nope' }))))).toBe('item-not-found');
    expect(errorOf(await h.iq(ALICE, 'set', owner(xml('purge', { node: 'transient' }))))).toBe('feature-not-implemented/unsupported:persistent-items');
  });
});
