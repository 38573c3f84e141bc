// The roster fetched at login (roster-prefetch.ts) on a fake roster component link.
import { Element, parse } from 'ltx';
import { pino } from 'pino';
import { makeJid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import { Router } from './router.js';
import { installRosterPrefetch } from './roster-prefetch.js';
import { newResourcePresence, type RoutedSession } from './session.js';

const noStores = new Proxy({}, { get: () => new Proxy({}, { get: () => async () => undefined }) }) as never;

class FakeRosterLink implements ComponentLink {
  readonly got: Element[] = [];
  readonly id = 'r1';
  readonly domain = 'roster.localhost';
  send(stanza: Element): SendOutcome {
    this.got.push(stanza);
    return 'queued';
  }
  close() {}
}

function setup(iqTimeoutMs = 1000) {
  const router = new Router({ domain: 'localhost', rosterDomain: 'roster.localhost', stores: noStores, offlineQuota: 1, iqTimeoutMs, logger: pino({ level: 'silent' }), serverVersion: 'test' });
  const link = new FakeRosterLink();
  router.components.attach(link);
  installRosterPrefetch(router);
  const delivered: Element[] = [];
  const bind = (resource: string): RoutedSession => {
    const s: RoutedSession = { id: resource, jid: makeJid('juliet', 'localhost', resource), presence: newResourcePresence(), deliver: (el) => void delivered.push(el), terminate() {} };
    router.bindSession(s);
    return s;
  };
  const get = (s: RoutedSession, id: string) => {
    const iq = new Element('iq', { type: 'get', id, from: s.jid.full });
    iq.c('query', { xmlns: NS.roster });
    router.fromClient(s, iq);
  };
  return { router, link, delivered, bind, get };
}

const innerOf = (outer: Element) => outer.getChild('delegation', NS.delegation)!.getChild('forwarded', NS.forward)!.getChildElements()[0]!;

/** The component's answer to a delegated get: juliet's roster with one item at version `ver`. */
function answer(router: Router, link: FakeRosterLink, outer: Element, ver: string): void {
  const inner = innerOf(outer);
  const reply = new Element('iq', { type: 'result', id: outer.attrs.id, from: 'roster.localhost', to: 'localhost' });
  reply.c('delegation', { xmlns: NS.delegation }).c('forwarded', { xmlns: NS.forward })
    .c('iq', { xmlns: NS.client, type: 'result', id: inner.attrs.id, from: 'juliet@localhost', to: inner.attrs.from })
    .c('query', { xmlns: NS.roster, ver }).c('item', { jid: 'romeo@localhost', subscription: 'both' });
  router.fromComponent(link, reply);
}

function push(router: Router, link: FakeRosterLink, ver: string): void {
  const message = new Element('message', { from: 'roster.localhost', to: 'localhost' });
  message.c('privilege', { xmlns: NS.privilege }).c('forwarded', { xmlns: NS.forward })
    .c('iq', { xmlns: NS.client, type: 'set', id: `push${ver}`, from: 'juliet@localhost', to: 'juliet@localhost' })
    .c('query', { xmlns: NS.roster, ver }).c('item', { jid: 'nurse@localhost', subscription: 'none' });
  router.fromComponent(link, message);
}

// As the client reads them: a result from the cache carries the roster as text (RawXml).
const rosterResults = (delivered: Element[]) => delivered.filter((el) => el.attrs.type === 'result' && el.name === 'iq').map((el) => parse(el.toString()) as Element);

test('a login fetches the roster once; the first get waits for it and is answered without a second trip to the component', () => {
  const { router, link, delivered, bind, get } = setup();
  const balcony = bind('balcony');
  expect(link.got).toHaveLength(1);
  expect(innerOf(link.got[0]!).attrs).toMatchObject({ type: 'get', from: 'juliet@localhost/balcony', to: 'juliet@localhost' });
  get(balcony, 'c1');
  expect(link.got).toHaveLength(1);
  answer(router, link, link.got[0]!, '5');
  const [result] = rosterResults(delivered);
  expect(result!.attrs).toMatchObject({ id: 'c1', from: 'juliet@localhost', to: 'juliet@localhost/balcony' });
  expect(result!.toString()).toContain(`<query xmlns="${NS.roster}" ver="5"><item jid="romeo@localhost" subscription="both"/></query>`);
  expect(balcony.presence.rosterInterested).toBe(true);

  const garden = bind('garden'); // the roster is cached: no second prefetch
  get(garden, 'c2');
  expect(link.got).toHaveLength(1);
  expect(rosterResults(delivered).map((el) => [el.attrs.id, el.attrs.to])).toEqual([['c1', 'juliet@localhost/balcony'], ['c2', 'juliet@localhost/garden']]);
});

test('a roster set while the prefetch is on its way: the waiting get goes to the component before the set, and the prefetch is not cached', () => {
  const { router, link, delivered, bind, get } = setup();
  const balcony = bind('balcony');
  get(balcony, 'c1');
  const set = new Element('iq', { type: 'set', id: 's1', from: balcony.jid.full });
  set.c('query', { xmlns: NS.roster }).c('item', { jid: 'nurse@localhost' });
  router.fromClient(balcony, set);
  expect(link.got.map((outer) => [innerOf(outer).attrs.id, innerOf(outer).attrs.type])).toEqual([[innerOf(link.got[0]!).attrs.id, 'get'], ['c1', 'get'], ['s1', 'set']]);
  answer(router, link, link.got[0]!, '5'); // the late prefetch answer: dropped
  expect(rosterResults(delivered)).toHaveLength(0);
  get(balcony, 'c2');
  expect(link.got).toHaveLength(4); // not answered from a cache
});

test('a roster push while the prefetch is on its way makes its answer unusable; a later answer from the component is cached as before', () => {
  const { router, link, delivered, bind, get } = setup();
  const balcony = bind('balcony');
  push(router, link, '6');
  answer(router, link, link.got[0]!, '5');
  get(balcony, 'c1');
  expect(link.got).toHaveLength(2);
  answer(router, link, link.got[1]!, '6');
  get(balcony, 'c2');
  expect(link.got).toHaveLength(2);
  expect(rosterResults(delivered).map((el) => [el.attrs.id, el.getChild('query')!.attrs.ver])).toEqual([['c1', '6'], ['c2', '6']]);
});

test('no answer in time: the waiting get goes to the component', async () => {
  const { link, bind, get } = setup(20);
  const balcony = bind('balcony');
  get(balcony, 'c1');
  expect(link.got).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(link.got.map((outer) => innerOf(outer).attrs.id)).toEqual([innerOf(link.got[0]!).attrs.id, 'c1']);
});
