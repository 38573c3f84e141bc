// XEP-0060 §8.8 manage subscriptions, §8.9 manage affiliations (owners), §5.6/§5.7 an entity's own.
import { NS_PUBSUB_EVENT } from './namespaces.js';
import { createHarness, createNode, errorOf, owner, pubsub, SERVICE, subscribe } from './test-support/pubsub-harness.js';
import { childElements, xml } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';

describe('affiliations', () => {
  test('the owner lists and sets affiliations (§8.9.1, §8.9.2)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    const set = await h.iq(ALICE, 'set', owner(xml('affiliations', { node: 'n' }, xml('affiliation', { jid: 'bob@localhost', affiliation: 'publisher' }))));
    expect(set.attrs.type).toBe('result');
    const list = await h.iq(ALICE, 'get', owner(xml('affiliations', { node: 'n' })));
    expect(childElements(list.getChild('pubsub')!.getChild('affiliations')!).map((a) => a.attrs)).toEqual([
      { jid: 'alice@localhost', affiliation: 'owner' },
      { jid: 'bob@localhost', affiliation: 'publisher' },
    ]);
  });

  test('non-owners are forbidden; removing the last owner is not-acceptable; bad values bad-request', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    expect(errorOf(await h.iq(BOB, 'get', owner(xml('affiliations', { node: 'n' }))))).toBe('forbidden');
    expect(errorOf(await h.iq(ALICE, 'set', owner(xml('affiliations', { node: 'n' }, xml('affiliation', { jid: 'alice@localhost', affiliation: 'none' })))))).toBe('not-acceptable');
    expect(errorOf(await h.iq(ALICE, 'set', owner(xml('affiliations', { node: 'n' }, xml('affiliation', { jid: 'bob@localhost', affiliation: 'king' })))))).toBe('bad-request');
    expect(await h.store.getAffiliation(SERVICE, 'n', 'alice@localhost')).toBe('owner');
  });

  test('making an entity outcast removes its subscriptions', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    await subscribe(h, BOB, 'n');
    await h.iq(ALICE, 'set', owner(xml('affiliations', { node: 'n' }, xml('affiliation', { jid: 'bob@localhost', affiliation: 'outcast' }))));
    expect(await h.store.listSubscriptions(SERVICE, 'n')).toEqual([]);
  });

  test("an entity's own affiliations on one node and across all nodes (§5.7)", async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    await createNode(h, BOB, 'm');
    await h.iq(BOB, 'set', owner(xml('affiliations', { node: 'm' }, xml('affiliation', { jid: 'alice@localhost', affiliation: 'publisher' }))));
    const own = await h.iq(ALICE, 'get', pubsub(xml('affiliations', { node: 'n' })));
    expect(own.getChild('pubsub')!.getChild('affiliations')!.getChild('affiliation')!.attrs).toEqual({ node: 'n', affiliation: 'owner' });
    const all = await h.iq(ALICE, 'get', pubsub(xml('affiliations')));
    expect(childElements(all.getChild('pubsub')!.getChild('affiliations')!).map((a) => a.attrs)).toEqual([
      { node: 'm', affiliation: 'publisher' },
      { node: 'n', affiliation: 'owner' },
    ]);
    await h.iq(ALICE, 'set', owner(xml('delete', { node: 'n' })));
    const afterDelete = await h.iq(ALICE, 'get', pubsub(xml('affiliations')));
    expect(childElements(afterDelete.getChild('pubsub')!.getChild('affiliations')!).map((a) => a.attrs.node)).toEqual(['m']);
  });
});

describe('subscriptions', () => {
  test('the owner lists subscriptions and changes them; the entity is told (§8.8)', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    await subscribe(h, BOB, 'n');
    const list = await h.iq(ALICE, 'get', owner(xml('subscriptions', { node: 'n' })));
    expect(list.getChild('pubsub')!.getChild('subscriptions')!.getChild('subscription')!.attrs).toMatchObject({ jid: BOB, subscription: 'subscribed' });
    h.sent.length = 0;
    await h.iq(ALICE, 'set', owner(xml('subscriptions', { node: 'n' }, xml('subscription', { jid: BOB, subscription: 'none' }), xml('subscription', { jid: 'carol@localhost', subscription: 'subscribed' }))));
    const subs = await h.store.listSubscriptions(SERVICE, 'n');
    expect(subs.map((s) => [s.jid, s.state])).toEqual([['carol@localhost', 'subscribed']]);
    expect(h.sent.map((m) => m.getChild('event', NS_PUBSUB_EVENT)!.getChild('subscription')!.attrs.subscription)).toEqual(['none', 'subscribed']);
  });

  test('non-owners are forbidden', async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    expect(errorOf(await h.iq(BOB, 'get', owner(xml('subscriptions', { node: 'n' }))))).toBe('forbidden');
    expect(errorOf(await h.iq(BOB, 'set', owner(xml('subscriptions', { node: 'n' }, xml('subscription', { jid: BOB, subscription: 'subscribed' })))))).toBe('forbidden');
  });

  test("an entity's own subscriptions on a node and across all nodes (§5.6)", async () => {
    const h = createHarness();
    await createNode(h, ALICE, 'n');
    await createNode(h, ALICE, 'm');
    await subscribe(h, BOB, 'n');
    await subscribe(h, BOB, 'm', 'bob@localhost');
    const own = await h.iq(BOB, 'get', pubsub(xml('subscriptions', { node: 'n' })));
    expect(own.getChild('pubsub')!.getChild('subscriptions')!.getChild('subscription')!.attrs).toMatchObject({ node: 'n', jid: BOB, subscription: 'subscribed' });
    const all = await h.iq(BOB, 'get', pubsub(xml('subscriptions')));
    expect(childElements(all.getChild('pubsub')!.getChild('subscriptions')!).map((s) => [s.attrs.node, s.attrs.jid])).toEqual([
      ['m', 'bob@localhost'],
      ['n', BOB],
    ]);
    await h.iq(BOB, 'set', pubsub(xml('unsubscribe', { node: 'n', jid: BOB })));
    const after = await h.iq(BOB, 'get', pubsub(xml('subscriptions')));
    expect(childElements(after.getChild('pubsub')!.getChild('subscriptions')!).map((s) => s.attrs.node)).toEqual(['m']);
  });
});
