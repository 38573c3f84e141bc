// The router's side of PEP (docs/pep.md) and the component instance choice (component-shard.ts),
// on fake sessions and fake component links.
import { Element } from 'ltx';
import { pino } from 'pino';
import { makeJid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { FakeSession } from './features/test-support/account-harness.js';

/** Stores nobody reads in these tests: every method resolves to undefined. */
const noStores = new Proxy({}, { get: () => new Proxy({}, { get: () => async () => undefined }) }) as never;

class FakeLink implements ComponentLink {
  readonly got: Element[] = [];
  constructor(readonly id: string, readonly domain = 'pubsub.localhost') {}
  send(stanza: Element): SendOutcome { this.got.push(stanza); return 'queued'; }
  close() {}
}

function setup() {
  const router = new Router({ domain: 'localhost', rosterDomain: 'roster.localhost', stores: noStores, offlineQuota: 1, iqTimeoutMs: 1000, logger: pino({ level: 'silent' }), serverVersion: 'test' });
  const session = (local: string, resource: string) => {
    const s = new FakeSession(makeJid(local, 'localhost', resource));
    router.bindSession(s);
    return s;
  };
  return { router, session };
}

function pubsubIq(from: RoutedSession, type: 'get' | 'set', node: string, to?: string): Element {
  const iq = new Element('iq', { type, id: 'c1', from: from.jid.full, ...(to ? { to } : {}) });
  iq.c('pubsub', { xmlns: NS.pubsub }).c(type === 'get' ? 'items' : 'publish', { node });
  return iq;
}

/** The component's answer to a delegated IQ: the inner result wrapped like the request. */
function answer(link: FakeLink, router: Router, outer: Element): void {
  const inner = outer.getChild('delegation', NS.delegation)!.getChild('forwarded', NS.forward)!.getChildElements()[0]!;
  const reply = new Element('iq', { type: 'result', id: outer.attrs.id, from: 'pubsub.localhost', to: 'localhost' });
  reply.c('delegation', { xmlns: NS.delegation }).c('forwarded', { xmlns: NS.forward }).c('iq', { xmlns: NS.client, type: 'result', id: inner.attrs.id, from: inner.attrs.to, to: inner.attrs.from });
  router.fromComponent(link, reply);
}

function privileged(inner: Element): Element {
  const outer = new Element('message', { from: 'pubsub.localhost', to: 'localhost' });
  outer.c('privilege', { xmlns: NS.privilege }).c('forwarded', { xmlns: NS.forward }).cnode(inner);
  return outer;
}

test('a PEP IQ to the own account goes to the PubSub component delegated, and its answer comes from the bare JID', () => {
  const { router, session } = setup();
  const link = new FakeLink('l1');
  router.components.attach(link);
  const juliet = session('juliet', 'phone');
  router.fromClient(juliet, pubsubIq(juliet, 'set', 'tune'));
  const outer = link.got.find((s) => s.name === 'iq')!;
  expect(outer.attrs).toMatchObject({ type: 'set', from: 'localhost', to: 'pubsub.localhost' });
  const inner = outer.getChild('delegation', NS.delegation)!.getChild('forwarded', NS.forward)!.getChildElements()[0]!;
  expect(inner.attrs).toMatchObject({ from: 'juliet@localhost/phone', to: 'juliet@localhost', id: 'c1' });
  answer(link, router, outer);
  expect(juliet.got.map((s) => s.attrs)).toEqual([expect.objectContaining({ type: 'result', id: 'c1', from: 'juliet@localhost', to: 'juliet@localhost/phone' })]);
});

test('a PEP IQ to another local user\'s bare JID is delegated with that user as the service', () => {
  const { router, session } = setup();
  const link = new FakeLink('l1');
  router.components.attach(link);
  const romeo = session('romeo', 'balcony');
  router.fromClient(romeo, pubsubIq(romeo, 'get', 'tune', 'juliet@localhost'));
  const inner = link.got[0]!.getChild('delegation', NS.delegation)!.getChild('forwarded', NS.forward)!.getChildElements()[0]!;
  expect(inner.attrs).toMatchObject({ from: 'romeo@localhost/balcony', to: 'juliet@localhost' });
});

test('without the PubSub component a PEP IQ gets service-unavailable from the account', () => {
  const { router, session } = setup();
  const juliet = session('juliet', 'phone');
  router.fromClient(juliet, pubsubIq(juliet, 'set', 'tune'));
  expect(juliet.got[0]!.attrs).toMatchObject({ type: 'error', from: 'juliet@localhost' });
  expect(juliet.got[0]!.getChild('error')!.getChild('service-unavailable')).toBeDefined();
});

test('notifications sent as a local user are delivered; anything else in the envelope is refused', () => {
  const { router, session } = setup();
  const link = new FakeLink('l1');
  router.components.attach(link);
  const romeo = session('romeo', 'balcony');
  router.fromComponent(link, privileged(new Element('message', { xmlns: NS.client, from: 'juliet@localhost', to: 'romeo@localhost/balcony' })));
  router.fromComponent(link, privileged(new Element('message', { xmlns: NS.client, from: 'mallory@evil.example', to: 'romeo@localhost/balcony' })));
  router.fromComponent(link, privileged(new Element('presence', { xmlns: NS.client, from: 'juliet@localhost', to: 'romeo@localhost/balcony' })));
  expect(romeo.got.map((s) => `${s.name} ${s.attrs.from}`)).toEqual(['message juliet@localhost']);
});

test('every PubSub instance gets presence copies; only the instance the user hashes to gets them unmarked', () => {
  const { router, session } = setup();
  const links = [new FakeLink('l1'), new FakeLink('l2')];
  for (const l of links) router.components.attach(l);
  const juliet = session('juliet', 'phone');
  const presence = new Element('presence', { from: juliet.jid.full });
  presence.c('c', { xmlns: NS.caps, hash: 'sha-1', node: 'n', ver: 'v' });
  router.fromClient(juliet, presence);
  const copies = links.map((l) => l.got.find((s) => s.name === 'presence')!);
  for (const c of copies) {
    expect(c.attrs).toMatchObject({ from: 'juliet@localhost/phone', to: 'pubsub.localhost' });
    expect(c.getChild('c', NS.caps)).toBeDefined();
    expect(c.getChild('initial', NS.pamperoPresence)).toBeDefined();
  }
  expect(copies.filter((c) => c.getChild('replica', NS.pamperoPresence)).length).toBe(1);
});

test('pubsub IQs to a component domain are sharded by node, and answers return to the instance that asked', () => {
  const { router, session } = setup();
  const links = [new FakeLink('l1'), new FakeLink('l2')];
  for (const l of links) router.components.attach(l);
  const alice = session('alice', 'r');
  for (let i = 0; i < 40; i++) router.fromClient(alice, pubsubIq(alice, 'get', `node${i}`, 'pubsub.localhost'));
  const counts = links.map((l) => l.got.length);
  expect(counts[0]! + counts[1]!).toBe(40);
  expect(Math.min(...counts)).toBeGreaterThan(5);
  // The same node always lands on the same instance.
  const owner = links.find((l) => l.got.some((s) => s.getChild('pubsub')!.getChildElements()[0]!.attrs.node === 'node7'))!;
  const before = owner.got.length;
  router.fromClient(alice, pubsubIq(alice, 'set', 'node7', 'pubsub.localhost'));
  expect(owner.got.length).toBe(before + 1);
  // A caps query from each instance: each answer goes back to its asker.
  for (const l of links) router.fromComponent(l, new Element('iq', { type: 'get', id: `q-${l.id}`, from: 'pubsub.localhost', to: alice.jid.full }));
  for (const l of links) {
    router.fromClient(alice, new Element('iq', { type: 'result', id: `q-${l.id}`, from: alice.jid.full, to: 'pubsub.localhost' }));
    expect(l.got[l.got.length - 1]!.attrs.id).toBe(`q-${l.id}`);
  }
});

test('the account advertises the PEP identity and features only while the PubSub component is attached', async () => {
  const { router, session } = setup();
  const juliet = session('juliet', 'phone');
  const ask = async () => {
    juliet.got.length = 0;
    const iq = new Element('iq', { type: 'get', id: 'd', from: juliet.jid.full, to: 'juliet@localhost' });
    iq.c('query', { xmlns: NS.discoInfo });
    router.fromClient(juliet, iq);
    await new Promise((r) => setTimeout(r, 10));
    return juliet.got[0]!.getChild('query')!;
  };
  expect((await ask()).getChildren('identity').map((i) => i.attrs.type)).toEqual(['registered']);
  router.components.attach(new FakeLink('l1'));
  const query = await ask();
  expect(query.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`)).toContain('pubsub/pep');
  expect(query.getChildren('feature').map((f) => f.attrs.var)).toContain(`${NS.pubsub}#publish`);
});

test('a PubSub instance attaching later learns the current presence of every available resource', () => {
  const { router, session } = setup();
  const juliet = session('juliet', 'phone');
  const presence = new Element('presence', { from: juliet.jid.full });
  presence.c('c', { xmlns: NS.caps, hash: 'sha-1', node: 'n', ver: 'v' });
  router.fromClient(juliet, presence);
  session('romeo', 'offline'); // bound, never available
  const link = new FakeLink('late');
  router.components.attach(link);
  const copies = link.got.filter((s) => s.name === 'presence');
  expect(copies.map((c) => c.attrs.from)).toEqual(['juliet@localhost/phone']);
  expect(copies[0]!.getChild('c', NS.caps)).toBeDefined();
  expect(copies[0]!.getChild('initial', NS.pamperoPresence)).toBeUndefined(); // not a login: no last items
});
