// The pipeline: routing, the error boundary, the bounded per-node queue, and several instances
// sharing one store (any instance serves any node).
import type { PubsubStore } from '../../shared/storage/types.js';
import { NS_PUBSUB_EVENT } from './namespaces.js';
import { createNamedKeyedQueue, QueueFullError } from '../../shared/component/keyed-queue.js';
import { DEFAULT_NODE_QUEUE_LIMITS } from './node-queue.js';
import { createStanzaRouter } from './stanza-router.js';
import { createHarness, createNode, errorOf, publish, pubsub, SERVER, SERVICE, subscribe } from './test-support/pubsub-harness.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

const ALICE = 'alice@localhost/desk';
const BOB = 'bob@localhost/phone';

test('an unknown pubsub request is feature-not-implemented; an unknown namespace service-unavailable', async () => {
  const h = createHarness();
  expect(errorOf(await h.iq(ALICE, 'set', pubsub(xml('collection', { node: 'x' }))))).toBe('feature-not-implemented');
  expect(errorOf(await h.iq(ALICE, 'get', xml('query', { xmlns: 'jabber:iq:version' })))).toBe('service-unavailable');
});

test('requests to a JID at the service other than the service itself are service-unavailable', async () => {
  const h = createHarness();
  expect(errorOf(await h.iq(ALICE, 'get', pubsub(xml('items', { node: 'n' })), `someone@${SERVICE}`))).toBe('service-unavailable');
});

test('results and errors addressed to the service are not answered', async () => {
  const h = createHarness();
  const sent: XmlElement[] = [];
  const router = createStanzaRouter({ domain: SERVICE, serverDomain: SERVER, store: h.store });
  await router.handle(xml('iq', { type: 'result', id: 'x', from: ALICE, to: SERVICE }), async (s) => void sent.push(s));
  await router.handle(xml('iq', { type: 'error', id: 'y', from: ALICE, to: SERVICE }), async (s) => void sent.push(s));
  expect(sent).toEqual([]);
});

test('a handler failure becomes internal-server-error', async () => {
  const h = createHarness();
  const broken = new Proxy(h.store, {
    get: (target, prop) => (prop === 'getNode' ? async () => { throw new Error('disk on fire'); } : target[prop as keyof PubsubStore]),
  });
  const router = createStanzaRouter({ domain: SERVICE, serverDomain: SERVER, store: broken });
  const sent: XmlElement[] = [];
  await router.handle(xml('iq', { type: 'get', id: 'q', from: ALICE, to: SERVICE }, pubsub(xml('items', { node: 'n' }))), async (s) => void sent.push(s));
  expect(sent).toHaveLength(1);
  expect(errorOf(sent[0]!)).toBe('internal-server-error');
});

test("a full node queue answers resource-constraint without waiting for the node's work", async () => {
  const h = createHarness();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = new Proxy(h.store, {
    get: (target, prop) => (prop === 'getNode' ? async (...args: [string, string]) => (await gate, target.getNode(...args)) : target[prop as keyof PubsubStore]),
  });
  const router = createStanzaRouter({ domain: SERVICE, serverDomain: SERVER, store: slow, queueLimits: { maxPerNode: 1 } });
  const sent: XmlElement[] = [];
  const send = async (s: XmlElement) => void sent.push(s);
  const ask = (id: string) => router.handle(xml('iq', { type: 'get', id, from: ALICE, to: SERVICE }, pubsub(xml('items', { node: 'n' }))), send);
  const first = ask('1');
  await ask('2');
  expect(sent.map((s) => [s.attrs.id, errorOf(s)])).toEqual([['2', 'resource-constraint']]);
  release();
  await first;
  expect(sent.map((s) => s.attrs.id)).toEqual(['2', '1']);
});

test('the node queue runs one node in order and refuses beyond its bounds', async () => {
  const queue = createNamedKeyedQueue('node', 'maxPerNode', DEFAULT_NODE_QUEUE_LIMITS, { maxPerNode: 2, maxTotal: 3, maxRunning: 1 });
  const order: string[] = [];
  const task = (name: string) => async () => void order.push(name);
  const runs = [queue.run('a', task('a1')), queue.run('a', task('a2')), queue.run('b', task('b1'))];
  await expect(queue.run('a', task('a3'))).rejects.toBeInstanceOf(QueueFullError);
  await expect(queue.run('c', task('c1'))).rejects.toMatchObject({ scope: 'total' });
  await Promise.all(runs);
  await queue.idle();
  expect(order.indexOf('a1')).toBeLessThan(order.indexOf('a2'));
  expect(queue.size).toBe(0);
});

test('two instances on one store serve the same nodes (all state is in storage)', async () => {
  const h = createHarness();
  const other = createStanzaRouter({ domain: SERVICE, serverDomain: SERVER, store: h.store });
  const sent: XmlElement[] = [];
  await createNode(h, ALICE, 'n');
  await other.handle(xml('iq', { type: 'set', id: 's', from: BOB, to: SERVICE }, pubsub(xml('subscribe', { node: 'n', jid: BOB }))), async (s) => void sent.push(s));
  expect(sent[0]!.attrs.type).toBe('result');
  h.sent.length = 0;
  await publish(h, ALICE, 'n', 'i');
  expect(h.sent.map((m) => [m.attrs.to, m.getChild('event', NS_PUBSUB_EVENT)?.getChild('items')?.getChild('item')?.attrs.id])).toEqual([[BOB, 'i']]);
  await subscribe(h, ALICE, 'n');
});
