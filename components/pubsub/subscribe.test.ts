// XEP-0060 §6.1 subscribe, §6.2 unsubscribe, §6.3 subscription options, §6.1.7 last published item.
import { NS_DATA_FORMS, NS_PUBSUB_EVENT } from './namespaces.js';
import { createHarness, createNode, errorOf, publish, pubsub, SERVICE, submitForm, subscribe } from './test-support/pubsub-harness.js';
import { xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';
const OPTIONS = 'http://jabber.org/protocol/pubsub#subscribe_options';

describe('subscribe', () => {
  test('subscribing a full JID answers with the subscription and its subid (§6.1.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const reply = await subscribe(h, BOB, 'news');
    const sub = reply.getChild('pubsub')!.getChild('subscription')!;
    expect(sub.attrs).toMatchObject({ node: 'news', jid: BOB, subscription: 'subscribed' });
    expect(sub.attrs.subid).toBeTruthy();
  });

  test('a bare JID may be subscribed from a full JID; subscribing again returns the same subscription', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const first = await subscribe(h, BOB, 'news', 'bob@localhost');
    const again = await subscribe(h, BOB, 'news', 'bob@localhost');
    expect(again.getChild('pubsub')!.getChild('subscription')!.attrs.subid).toBe(first.getChild('pubsub')!.getChild('subscription')!.attrs.subid);
    expect(await h.store.listSubscriptions(SERVICE, 'news')).toHaveLength(1);
  });

  test('error cases: invalid-jid, jid-required, item-not-found, nodeid-required (§6.1.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    expect(errorOf(await subscribe(h, BOB, 'news', 'carol@localhost'))).toBe('bad-request/invalid-jid');
    expect(errorOf(await h.iq(BOB, 'set', pubsub(xml('subscribe', { node: 'news' }))))).toBe('bad-request/jid-required');
    expect(errorOf(await subscribe(h, BOB, 'nope'))).toBe('item-not-found');
    expect(errorOf(await h.iq(BOB, 'set', pubsub(xml('subscribe', { jid: BOB }))))).toBe('bad-request/nodeid-required');
  });

  test('the last published item follows the subscription result (§6.1.7)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await publish(h, ALICE, 'news', 'old');
    await publish(h, ALICE, 'news', 'latest');
    h.sent.length = 0;
    await subscribe(h, BOB, 'news');
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.getChild('event', NS_PUBSUB_EVENT)!.getChild('items')!.getChild('item')!.attrs.id).toBe('latest');
  });

  test('send_last_published_item never sends nothing on subscribe', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news', { 'pubsub#send_last_published_item': 'never' });
    await publish(h, ALICE, 'news', 'a');
    h.sent.length = 0;
    await subscribe(h, BOB, 'news');
    expect(h.sent).toEqual([]);
  });

  test('subscribe with options applies them (§6.3.7): deliver off means no notifications', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await h.iq(BOB, 'set', pubsub(xml('subscribe', { node: 'news', jid: BOB }), xml('options', {}, submitForm(OPTIONS, { 'pubsub#deliver': 'false' }))));
    h.sent.length = 0;
    await publish(h, ALICE, 'news', 'a');
    expect(h.sent).toEqual([]);
  });
});

describe('unsubscribe', () => {
  test('unsubscribing removes the subscription; no more notifications (§6.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await subscribe(h, BOB, 'news');
    expect((await h.iq(BOB, 'set', pubsub(xml('unsubscribe', { node: 'news', jid: BOB })))).attrs.type).toBe('result');
    h.sent.length = 0;
    await publish(h, ALICE, 'news', 'a');
    expect(h.sent).toEqual([]);
  });

  test('error cases: not-subscribed, forbidden, subid-required, invalid-subid (§6.2.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    const unsubscribe = (who: string, attrs: Record<string, string>) => h.iq(who, 'set', pubsub(xml('unsubscribe', { node: 'news', ...attrs })));
    expect(errorOf(await unsubscribe(BOB, { jid: BOB }))).toBe('unexpected-request/not-subscribed');
    await subscribe(h, BOB, 'news');
    expect(errorOf(await unsubscribe('carol@localhost/x', { jid: BOB }))).toBe('forbidden');
    expect(errorOf(await unsubscribe(BOB, { jid: BOB, subid: 'wrong' }))).toBe('not-acceptable/invalid-subid');
    await h.store.putSubscription(SERVICE, 'news', { jid: BOB, subid: 'second', state: 'subscribed', deliver: true });
    expect(errorOf(await unsubscribe(BOB, { jid: BOB }))).toBe('bad-request/subid-required');
    expect((await unsubscribe(BOB, { jid: BOB, subid: 'second' })).attrs.type).toBe('result');
  });
});

describe('subscription options', () => {
  test('get returns the subscribe_options form; set changes pubsub#deliver (§6.3)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    await subscribe(h, BOB, 'news');
    const got = await h.iq(BOB, 'get', pubsub(xml('options', { node: 'news', jid: BOB })));
    const x = got.getChild('pubsub')!.getChild('options')!.getChild('x', NS_DATA_FORMS)!;
    expect(x.getChildren('field').find((f) => f.attrs.var === 'pubsub#deliver')!.getChildText('value')).toBe('1');
    const set = await h.iq(BOB, 'set', pubsub(xml('options', { node: 'news', jid: BOB }, submitForm(OPTIONS, { 'pubsub#deliver': '0' }))));
    expect(set.attrs.type).toBe('result');
    expect((await h.store.listSubscriptions(SERVICE, 'news'))[0]!.deliver).toBe(false);
  });

  test('options of someone else are forbidden; without a subscription not-subscribed; a bad form invalid-options', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'news');
    expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('options', { node: 'news', jid: BOB }))))).toBe('unexpected-request/not-subscribed');
    await subscribe(h, BOB, 'news');
    expect(errorOf(await h.iq('carol@localhost/x', 'get', pubsub(xml('options', { node: 'news', jid: BOB }))))).toBe('forbidden');
    expect(errorOf(await h.iq(BOB, 'set', pubsub(xml('options', { node: 'news', jid: BOB }, submitForm(OPTIONS, { 'pubsub#colour': '1' })))))).toBe('bad-request/invalid-options');
  });
});

test('the default subscription options (§6.4)', async () => {
  const h = createHarness();
  await createNode(h, ALICE, 'news');
  const reply = await h.iq(BOB, 'get', pubsub(xml('default', { node: 'news' })));
  const x = reply.getChild('pubsub')!.getChild('default')!.getChild('x', NS_DATA_FORMS)!;
  expect(x.getChildren('field').map((f) => f.attrs.var)).toEqual(['FORM_TYPE', 'pubsub#deliver']);
  expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('default', { node: 'nope' }))))).toBe('item-not-found');
});
