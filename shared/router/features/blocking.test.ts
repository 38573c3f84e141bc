// XEP-0191 on fake sessions: the blocklist IQs, pushes, and what a block does to stanzas.
import { Element } from 'ltx';
import { accountHarness, errorCondition, settle } from './test-support/account-harness.js';
import { BLOCKING, matchesBlocklist } from './blocklist-cache.js';
import { MAX_BLOCKLIST_ITEMS } from './blocking.js';
import { parseJid } from '../../jid.js';
import { wrapForwarded } from '../../xml/forwarding.js';
import type { ComponentLink } from '../component-registry.js';

const list = (name: string, ...jids: string[]) => {
  const el = new Element(name, { xmlns: BLOCKING });
  for (const jid of jids) el.c('item', { jid });
  return el;
};
const chat = (from: string, to: string, body = 'hi') => new Element('message', { from, to, type: 'chat', id: 'm1' }).c('body').t(body).root();
const itemsOf = (el: Element | undefined) => el?.getChildren('item').map((i) => i.attrs.jid) ?? [];

describe('XEP-0191 blocking command', () => {
  test('matching follows §4: full, bare, domain/resource and domain items', () => {
    const m = (items: string[], jid: string) => matchesBlocklist(new Set(items), parseJid(jid)!);
    expect(m(['b@x/r'], 'b@x/r')).toBe(true);
    expect(m(['b@x/r'], 'b@x/other')).toBe(false);
    expect(m(['b@x'], 'b@x/any')).toBe(true);
    expect(m(['x/r'], 'b@x/r')).toBe(true);
    expect(m(['x'], 'anyone@x/r')).toBe(true);
    expect(m(['x'], 'x')).toBe(true);
    expect(m(['x'], 'b@y')).toBe(false);
  });

  test('the blocklist is empty at first, lists blocked JIDs after a block, and survives a new login', async () => {
    const h = accountHarness();
    const a = h.session('a', 'r', 0);
    await settle();
    expect(itemsOf((await h.ask(a, 'get', list('blocklist'))).getChild('blocklist', BLOCKING))).toEqual([]);
    expect((await h.ask(a, 'set', list('block', 'b@localhost', 'Evil.Example'))).attrs.type).toBe('result');
    expect(itemsOf((await h.ask(a, 'get', list('blocklist'))).getChild('blocklist', BLOCKING))).toEqual(['b@localhost', 'evil.example']);
    h.router.unbindSession(a);
    const again = h.session('a', 'r2', 0);
    await settle();
    expect(itemsOf((await h.ask(again, 'get', list('blocklist'))).getChild('blocklist', BLOCKING))).toEqual(['b@localhost', 'evil.example']);
  });

  test('block and unblock are pushed to the resources that requested the blocklist only', async () => {
    const h = accountHarness();
    const [phone, laptop, quiet] = [h.session('a', 'phone', 0), h.session('a', 'laptop', 0), h.session('a', 'quiet', 0)];
    await settle();
    await h.ask(phone, 'get', list('blocklist'));
    await h.ask(laptop, 'get', list('blocklist'));
    for (const s of [phone, laptop, quiet]) s.take();
    await h.ask(phone, 'set', list('block', 'b@localhost'));
    await settle();
    for (const s of [phone, laptop]) {
      const [push] = s.take('iq');
      expect(push?.attrs).toMatchObject({ type: 'set', to: s.jid.full });
      expect(itemsOf(push?.getChild('block', BLOCKING))).toEqual(['b@localhost']);
    }
    expect(quiet.take('iq')).toEqual([]);
    await h.ask(laptop, 'set', list('unblock'));
    await settle();
    const [push] = phone.take('iq');
    expect(push?.getChild('unblock', BLOCKING)?.getChildren('item')).toEqual([]);
  });

  test("a blocked user's message gets service-unavailable, their presence and IQs do not get through", async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a', 'r', 0), h.session('b', 'r', 0)];
    await settle();
    await h.ask(a, 'set', list('block', 'b@localhost'));
    a.take();
    b.take();
    h.router.fromClient(b, chat(b.jid.full, 'a@localhost'));
    h.router.fromClient(b, chat(b.jid.full, a.jid.full));
    h.router.fromClient(b, new Element('presence', { from: b.jid.full, to: a.jid.full }));
    const iq = new Element('iq', { type: 'get', id: 'v1', from: b.jid.full, to: a.jid.full }).c('query', { xmlns: 'jabber:iq:version' }).root();
    h.router.fromClient(b, iq);
    await settle();
    expect(a.take()).toEqual([]);
    const errors = b.take().filter((e) => e.attrs.type === 'error');
    expect(errors.map((e) => [e.name, errorCondition(e)])).toEqual([
      ['message', 'service-unavailable'],
      ['message', 'service-unavailable'],
      ['iq', 'service-unavailable'],
    ]);
  });

  test("the user's own stanzas to a blocked JID get not-acceptable with <blocked/>", async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a', 'r', 0), h.session('b', 'r', 0)];
    await settle();
    await h.ask(a, 'set', list('block', 'localhost/r'));
    a.take();
    b.take();
    h.router.fromClient(a, chat(a.jid.full, b.jid.full));
    expect(b.take()).toEqual([]);
    const [error] = a.take();
    expect(error?.attrs).toMatchObject({ type: 'error', from: b.jid.full, to: a.jid.full });
    expect(errorCondition(error!)).toBe('not-acceptable');
    expect(error?.getChild('error')?.getChild('blocked', 'urn:xmpp:blocking:errors')).toBeDefined();
    // The body goes back so the client can tell which message failed.
    expect(error?.getChildText('body')).toBe('hi');
  });

  test('a blocked domain covers its users, and unblocking lets them through again', async () => {
    const h = accountHarness(['a@localhost', 'b@localhost'], {});
    const a = h.session('a', 'r', 0);
    await settle();
    await h.ask(a, 'set', list('block', 'elsewhere.example'));
    a.take();
    const remote = chat('mallory@elsewhere.example/x', 'a@localhost');
    h.router.route(remote, parseJid('a@localhost')!);
    expect(a.take()).toEqual([]);
    await h.ask(a, 'set', list('unblock', 'elsewhere.example'));
    h.router.route(chat('mallory@elsewhere.example/x', 'a@localhost'), parseJid('a@localhost')!);
    expect(a.take('message')).toHaveLength(1);
  });

  test('a message from a blocked user to an offline user is not stored', async () => {
    const h = accountHarness();
    const a = h.session('a', 'r', 0);
    await settle();
    await h.ask(a, 'set', list('block', 'b@localhost'));
    h.router.unbindSession(a);
    const b = h.session('b', 'r', 0);
    b.take();
    h.router.fromClient(b, chat(b.jid.full, 'a@localhost'));
    h.router.fromClient(b, chat(b.jid.full, 'c@localhost'));
    await settle();
    expect(h.offline.get('a@localhost')).toBeUndefined();
    expect(h.offline.get('c@localhost')).toHaveLength(1);
    expect(b.take().map((e) => errorCondition(e))).toEqual(['service-unavailable']);
  });

  test('on block, a contact allowed to see the presence gets unavailable from each available resource; on unblock the presence again', async () => {
    const h = accountHarness();
    const [a1, a2, b] = [h.session('a', 'one', 0), h.session('a', 'two', 5), h.session('b', 'r', 0)];
    h.subscribe('a@localhost', 'b@localhost', 'from');
    await settle();
    b.take();
    await h.ask(a1, 'set', list('block', 'b@localhost'));
    await settle();
    const gone = b.take('presence');
    expect(gone.map((p) => [p.attrs.from, p.attrs.type])).toEqual([
      [a1.jid.full, 'unavailable'],
      [a2.jid.full, 'unavailable'],
    ]);
    await h.ask(a1, 'set', list('unblock', 'b@localhost'));
    await settle();
    const back = b.take('presence');
    expect(back.map((p) => [p.attrs.from, p.attrs.type, p.getChildText('priority')])).toEqual([
      [a1.jid.full, undefined, '0'],
      [a2.jid.full, undefined, '5'],
    ]);
  });

  test('a contact without a presence subscription learns nothing on block', async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a', 'r', 0), h.session('b', 'r', 0)];
    h.subscribe('a@localhost', 'b@localhost', 'to');
    await settle();
    b.take();
    await h.ask(a, 'set', list('block', 'b@localhost'));
    await settle();
    expect(b.take()).toEqual([]);
  });

  test('presence the roster component relays is dropped between a user and a JID they blocked, both ways, and probes go unanswered', async () => {
    const h = accountHarness();
    const sent: Element[] = [];
    const link: ComponentLink = { id: 'roster-1', domain: 'roster.localhost', send: (s) => (sent.push(s), 'queued'), close: () => {} };
    h.router.components.attach(link);
    const [a, b] = [h.session('a', 'r', 0), h.session('b', 'r', 0)];
    await settle();
    await h.ask(a, 'set', list('block', 'b@localhost'));
    await settle();
    a.take();
    b.take();
    const relay = (inner: Element) => h.router.fromComponent(link, new Element('message', { from: 'roster.localhost', to: 'localhost' }).cnode(wrapForwarded('privilege', inner)).root());
    relay(new Element('presence', { from: b.jid.full, to: 'a@localhost' }));
    relay(new Element('presence', { from: a.jid.full, to: 'b@localhost' }));
    relay(new Element('presence', { from: 'b@localhost', to: 'a@localhost', type: 'probe' }));
    relay(new Element('presence', { from: 'c@localhost/x', to: 'a@localhost' }));
    expect(b.take()).toEqual([]);
    expect(a.take().map((p) => p.attrs.from)).toEqual(['c@localhost/x']);
  });

  test('bad requests: a block without items, an item without or with a malformed jid, too many items, another user', async () => {
    const h = accountHarness();
    const a = h.session('a', 'r', 0);
    await settle();
    expect(errorCondition(await h.ask(a, 'set', list('block')))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', new Element('block', { xmlns: BLOCKING }).c('item').root()))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', list('block', '@@bad')))).toBe('jid-malformed');
    expect(errorCondition(await h.ask(a, 'set', list('nonsense', 'b@localhost')))).toBe('bad-request');
    const many = Array.from({ length: MAX_BLOCKLIST_ITEMS + 1 }, (_, i) => `u${i}@example.org`);
    expect(errorCondition(await h.ask(a, 'set', list('block', ...many)))).toBe('policy-violation');
    expect(errorCondition(await h.ask(a, 'get', list('blocklist'), 'b@localhost'))).toBe('service-unavailable');
  });

  test('the server advertises urn:xmpp:blocking in disco#info', async () => {
    const h = accountHarness();
    const a = h.session('a', 'r', 0);
    const info = await h.ask(a, 'get', new Element('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'localhost');
    expect(info.getChild('query')?.getChildren('feature').map((f) => f.attrs.var)).toContain(BLOCKING);
  });
});
