// XEP-0060 §6.5 retrieve items: all, by id, max_items, and RSM paging (XEP-0059).
import { NS_RSM } from './namespaces.js';
import { createHarness, createNode, errorOf, itemIds, publish, pubsub } from './test-support/pubsub-harness.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';

async function nodeWith(ids: string[]) {
  const h = createHarness();
  await createNode(h, ALICE, 'news', { 'pubsub#max_items': '100' });
  for (const id of ids) await publish(h, ALICE, 'news', id);
  return h;
}

const itemsOf = (reply: XmlElement) => itemIds(reply.getChild('pubsub')?.getChild('items'));
const rsmOf = (reply: XmlElement) => {
  const set = reply.getChild('pubsub')!.getChild('set', NS_RSM)!;
  return { first: set.getChildText('first'), index: set.getChild('first')?.attrs.index, last: set.getChildText('last'), count: set.getChildText('count') };
};
const rsm = (...children: XmlElement[]) => xml('set', { xmlns: NS_RSM }, ...children);

test('all items, newest first, with payloads (§6.5.2)', async () => {
  const h = await nodeWith(['a', 'b', 'c']);
  const reply = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' })));
  expect(itemsOf(reply)).toEqual(['c', 'b', 'a']);
  expect(reply.getChild('pubsub')!.getChild('items')!.getChild('item')!.toString()).toContain('<entry');
});

test('the N most recent items with max_items (§6.5.7)', async () => {
  const h = await nodeWith(['a', 'b', 'c']);
  expect(itemsOf(await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news', max_items: '2' }))))).toEqual(['c', 'b']);
});

test('particular items by id; unknown ids are left out (§6.5.8)', async () => {
  const h = await nodeWith(['a', 'b', 'c']);
  const reply = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }, xml('item', { id: 'a' }), xml('item', { id: 'zz' }))));
  expect(itemsOf(reply)).toEqual(['a']);
});

test('RSM pages forward with after and back with before, with count and index (XEP-0059)', async () => {
  const h = await nodeWith(['a', 'b', 'c', 'd', 'e']);
  const page1 = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '2'))));
  expect(itemsOf(page1)).toEqual(['e', 'd']);
  expect(rsmOf(page1)).toEqual({ first: 'e', index: '0', last: 'd', count: '5' });
  const page2 = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '2'), xml('after', {}, 'd'))));
  expect(itemsOf(page2)).toEqual(['c', 'b']);
  expect(rsmOf(page2)).toMatchObject({ index: '2' });
  const page3 = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '2'), xml('after', {}, 'b'))));
  expect(itemsOf(page3)).toEqual(['a']);
  const back = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '2'), xml('before', {}, 'c'))));
  expect(itemsOf(back)).toEqual(['e', 'd']);
  const lastPage = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '2'), xml('before'))));
  expect(itemsOf(lastPage)).toEqual(['b', 'a']);
  expect(rsmOf(lastPage)).toMatchObject({ index: '3', count: '5' });
});

test('RSM max 0 gives the count only', async () => {
  const h = await nodeWith(['a', 'b']);
  const reply = await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news' }), rsm(xml('max', {}, '0'))));
  expect(itemsOf(reply)).toEqual([]);
  expect(rsmOf(reply).count).toBe('2');
});

test('error cases: item-not-found, nodeid-required, transient node, bad max_items (§6.5.9)', async () => {
  const h = await nodeWith([]);
  await createNode(h, ALICE, 'transient', { 'pubsub#persist_items': '0' });
  expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('items', { node: 'nope' }))))).toBe('item-not-found');
  expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('items'))))).toBe('bad-request/nodeid-required');
  expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('items', { node: 'transient' }))))).toBe('feature-not-implemented/unsupported:persistent-items');
  expect(errorOf(await h.iq(BOB, 'get', pubsub(xml('items', { node: 'news', max_items: 'lots' }))))).toBe('bad-request');
});
