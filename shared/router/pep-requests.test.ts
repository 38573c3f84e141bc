// The router's own IQs to PEP services and the owner-change notices the conversions watch
// (docs/pep.md §8), on fake component links.
import { Element } from 'ltx';
import { pino } from 'pino';
import { makeJid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import { itemsRequest, PepRequestError } from './pep-requests.js';
import { Router } from './router.js';
import { newResourcePresence, type RoutedSession } from './session.js';

const noStores = new Proxy({}, { get: () => new Proxy({}, { get: () => async () => undefined }) }) as never;

class FakeLink implements ComponentLink {
  readonly got: Element[] = [];
  readonly id = 'l1';
  readonly domain = 'pubsub.localhost';
  send(stanza: Element): SendOutcome { this.got.push(stanza); return 'queued'; }
  close() {}
}

function setup(iqTimeoutMs = 1000) {
  const router = new Router({ domain: 'localhost', rosterDomain: 'roster.localhost', stores: noStores, offlineQuota: 1, iqTimeoutMs, logger: pino({ level: 'silent' }), serverVersion: 'test' });
  const link = new FakeLink();
  router.components.attach(link);
  return { router, link };
}
const innerOf = (outer: Element) => outer.getChild('delegation', NS.delegation)!.getChild('forwarded', NS.forward)!.getChildElements()[0]!;
function reply(router: Router, link: FakeLink, outer: Element, type: 'result' | 'error', payload?: Element): void {
  const inner = innerOf(outer);
  const answer = new Element('iq', { type: 'result', id: outer.attrs.id, from: 'pubsub.localhost', to: 'localhost' });
  const iq = answer.c('delegation', { xmlns: NS.delegation }).c('forwarded', { xmlns: NS.forward }).c('iq', { xmlns: NS.client, type, id: inner.attrs.id, from: inner.attrs.to, to: inner.attrs.from });
  if (payload) iq.cnode(payload);
  router.fromComponent(link, answer);
}

test('a request goes delegated with the owner\'s bare JID as from and to, and resolves with the inner result', async () => {
  const { router, link } = setup();
  const answer = router.pep.requests.send('juliet@localhost', 'get', itemsRequest('urn:xmpp:avatar:data', 'abc'));
  const inner = innerOf(link.got[0]!);
  expect(inner.attrs).toMatchObject({ type: 'get', from: 'juliet@localhost', to: 'juliet@localhost' });
  expect(inner.getChild('pubsub', NS.pubsub)!.getChild('items')!.getChild('item')!.attrs.id).toBe('abc');
  reply(router, link, link.got[0]!, 'result', new Element('pubsub', { xmlns: NS.pubsub }));
  expect((await answer).getChild('pubsub')).toBeDefined();
});

test('an error answer, a timeout and a missing component reject with their condition', async () => {
  const { router, link } = setup(30);
  const failing = router.pep.requests.send('juliet@localhost', 'get', itemsRequest('n'));
  const outer = link.got[0]!;
  const err = new Element('error', { type: 'cancel' });
  err.c('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' });
  reply(router, link, outer, 'error', err);
  await expect(failing).rejects.toEqual(new PepRequestError('item-not-found'));
  await expect(router.pep.requests.send('juliet@localhost', 'get', itemsRequest('n'))).rejects.toEqual(new PepRequestError('remote-server-timeout'));
  router.components.detach(link);
  await expect(router.pep.requests.send('juliet@localhost', 'get', itemsRequest('n'))).rejects.toEqual(new PepRequestError('service-unavailable'));
});

test('owner changes are told only of the owner\'s own successful sets, never of the router\'s requests', async () => {
  const { router, link } = setup();
  const seen: string[] = [];
  router.pep.ownerChanges.push((owner, request) => seen.push(`${owner} ${request.attrs.id}`));
  const session = (local: string): RoutedSession => {
    const s: RoutedSession = { id: local, jid: makeJid(local, 'localhost', 'r'), presence: newResourcePresence(), deliver() {}, terminate() {} };
    router.bindSession(s);
    return s;
  };
  const [juliet, romeo] = [session('juliet'), session('romeo')];
  const ask = (s: RoutedSession, id: string, type: 'get' | 'set', to?: string) => {
    const iq = new Element('iq', { type, id, from: s.jid.full, ...(to ? { to } : {}) });
    iq.c('pubsub', { xmlns: NS.pubsub }).c(type === 'set' ? 'publish' : 'items', { node: 'n' });
    router.fromClient(s, iq);
    return link.got[link.got.length - 1]!;
  };
  reply(router, link, ask(juliet, 'ok', 'set'), 'result');
  reply(router, link, ask(juliet, 'refused', 'set'), 'error');
  reply(router, link, ask(juliet, 'read', 'get'), 'result');
  reply(router, link, ask(romeo, 'foreign', 'set', 'juliet@localhost'), 'result');
  const own = router.pep.requests.send('juliet@localhost', 'set', itemsRequest('n'));
  reply(router, link, link.got[link.got.length - 1]!, 'result');
  await own;
  expect(seen).toEqual(['juliet@localhost ok']);
});
