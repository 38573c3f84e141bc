// The delivery rules of RFC 6121 §8 and presence handling, on fake sessions (no sockets).
import { Element } from 'ltx';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { accountHarness, type FakeSession } from './features/test-support/account-harness.js';

const setup = (quota = 2) => accountHarness(['a@localhost', 'b@localhost'], { offlineQuota: quota });

function chat(from: RoutedSession, to: string, body = 'hi', type = 'chat') {
  const m = new Element('message', { from: from.jid.full, to, type });
  m.c('body').t(body);
  return m;
}
const flush = () => new Promise((r) => setTimeout(r, 20));
const bodies = (s: FakeSession) => s.got.filter((e) => e.name === 'message').map((e) => e.getChildText('body'));

describe('Router delivery (RFC 6121 §8)', () => {
  test('message to a bare JID goes to the highest non-negative priority resources', () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const low = session('a', 'low', 1);
    const high1 = session('a', 'h1', 5);
    const high2 = session('a', 'h2', 5);
    router.fromClient(sender, chat(sender, 'a@localhost'));
    expect([bodies(low), bodies(high1), bodies(high2)]).toEqual([[], ['hi'], ['hi']]);
  });

  test('message to a full JID of an absent resource falls back to the bare JID; groupchat is refused', () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const other = session('a', 'other', 0);
    router.fromClient(sender, chat(sender, 'a@localhost/gone'));
    expect(bodies(other)).toEqual(['hi']);
    router.fromClient(sender, chat(sender, 'a@localhost/gone', 'g', 'groupchat'));
    expect(sender.got.some((e) => e.attrs.type === 'error' && e.getChild('error')?.getChild('service-unavailable'))).toBe(true);
  });

  test('negative priority resources get no bare-JID messages: they go offline', async () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const neg = session('a', 'neg', -1);
    router.fromClient(sender, chat(sender, 'a@localhost'));
    await flush();
    expect(bodies(neg)).toEqual([]);
    const later = session('a', 'later', 0);
    await flush();
    expect(bodies(later)).toEqual(['hi']);
    expect(later.got.find((e) => e.name === 'message')!.getChild('delay', 'urn:xmpp:delay')).toBeDefined();
  });

  test('a message stored offline just after the recipient came online (its flush already ran) reaches it at once', async () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const online = session('a', 'r', 0);
    await flush();
    // As a message rerouted from a session that ended elsewhere, stored while this one's initial presence was flushed.
    await router.offline.store('a@localhost', chat(sender, 'a@localhost/gone', 'late'));
    await flush();
    expect(bodies(online)).toEqual(['late']);
  });

  test('flushes of one recipient run one after another: two at once deliver each stored message once', async () => {
    const { router, session } = setup(5);
    const sender = session('b', 'x', 0);
    router.fromClient(sender, chat(sender, 'a@localhost', 'one'));
    router.fromClient(sender, chat(sender, 'a@localhost', 'two'));
    await flush();
    const online = session('a', 'r', 0); // its initial presence flushes once
    await Promise.all([router.offline.flushTo(online), router.offline.flushTo(online)]);
    await flush();
    expect(bodies(online)).toEqual(['one', 'two']);
  });

  test('offline quota reached: the sender gets service-unavailable', async () => {
    const { router, session } = setup(1);
    const sender = session('b', 'x', 0);
    router.fromClient(sender, chat(sender, 'a@localhost', 'one'));
    await flush();
    router.fromClient(sender, chat(sender, 'a@localhost', 'two'));
    await flush();
    expect(sender.got.filter((e) => e.attrs.type === 'error')).toHaveLength(1);
  });

  test('message to an unknown user gets service-unavailable', async () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    router.fromClient(sender, chat(sender, 'nobody@localhost'));
    await flush();
    expect(sender.got.some((e) => e.attrs.type === 'error')).toBe(true);
  });

  test('iq to an absent full JID gets service-unavailable; to another domain remote-server-not-found', () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const iq = (to: string) => { const e = new Element('iq', { from: sender.jid.full, to, type: 'get', id: to }); e.c('query', { xmlns: 'urn:x' }); return e; };
    router.fromClient(sender, iq('a@localhost/none'));
    router.fromClient(sender, iq('a@elsewhere.example'));
    router.fromClient(sender, iq('muc.localhost'));
    const errors = sender.got.filter((e) => e.attrs.type === 'error').map((e) => [e.attrs.id, e.getChild('error')!.getChildElements()[0]!.name]);
    expect(errors).toEqual([['a@localhost/none', 'service-unavailable'], ['a@elsewhere.example', 'remote-server-not-found'], ['muc.localhost', 'service-unavailable']]);
  });

  test('a MUC join to a room service with no live link gets a presence error; other presence to it gets none', () => {
    const { router, session } = setup();
    const sender = session('b', 'x', 0);
    const sent = sender.got.length;
    const join = new Element('presence', { from: sender.jid.full, to: 'room@muc.localhost/b' });
    join.c('x', { xmlns: 'http://jabber.org/protocol/muc' });
    router.fromClient(sender, join);
    router.fromClient(sender, new Element('presence', { from: sender.jid.full, to: 'room@muc.localhost/b' }));
    const errors = sender.got.slice(sent).filter((e) => e.attrs.type === 'error');
    expect(errors.map((e) => [e.name, e.getChild('error')!.getChildElements()[0]!.name])).toEqual([['presence', 'service-unavailable']]);
  });

  test('initial presence is reflected to all own available resources, the sender included', () => {
    const { router, session } = setup();
    const one = session('a', 'one', 0);
    const two = session('a', 'two');
    router.fromClient(two, new Element('presence', { from: two.jid.full }));
    expect(one.got.filter((e) => e.name === 'presence').map((e) => e.attrs.from)).toContain('a@localhost/two');
    expect(two.got.filter((e) => e.name === 'presence').map((e) => e.attrs.from)).toContain('a@localhost/two');
  });

  test('directed presence recipients get unavailable when the session ends', () => {
    const { router, session } = setup();
    const a = session('a', 'r', 0);
    const b = session('b', 'r', 0);
    router.fromClient(a, new Element('presence', { from: a.jid.full, to: 'b@localhost/r' }));
    router.unbindSession(a);
    expect(b.got.filter((e) => e.name === 'presence').map((e) => e.attrs.type ?? 'available')).toEqual(['available', 'available', 'unavailable']);
  });

  test('binding an existing full JID terminates the old session with conflict', async () => {
    const { session } = setup();
    const first = session('a', 'same', 0);
    session('a', 'same', 0);
    await Promise.resolve(); // ended right after the new bind (its bind result goes first)
    expect(first.terminated).toBe('conflict');
  });

  test('malformed to gets jid-malformed', () => {
    const { router, session } = setup();
    const a = session('a', 'r', 0);
    router.fromClient(a, chat(a, 'bad@@jid@'));
    expect(a.got.some((e) => e.getChild('error')?.getChild('jid-malformed'))).toBe(true);
  });
});

describe('Message Carbons (XEP-0280)', () => {
  const enable = (router: Router, s: RoutedSession) => {
    const iq = new Element('iq', { from: s.jid.full, type: 'set', id: 'c1' });
    iq.c('enable', { xmlns: 'urn:xmpp:carbons:2' });
    router.fromClient(s, iq);
  };
  const carbonsOf = (s: FakeSession, kind: string) => s.got.filter((e) => e.name === 'message' && e.getChild(kind, 'urn:xmpp:carbons:2'));

  test('a carbons-enabled resource gets received copies of chats to the user\'s other resources', async () => {
    const { router, session } = setup();
    const b = session('b', 'x', 0);
    const a1 = session('a', 'one', 0);
    const a2 = session('a', 'two', 0);
    enable(router, a2);
    await flush();
    router.fromClient(b, chat(b, 'a@localhost/one'));
    const copies = carbonsOf(a2, 'received');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.attrs).toMatchObject({ from: 'a@localhost', to: 'a@localhost/two' });
    const inner = copies[0]!.getChild('received')!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!;
    expect(inner.getChildText('body')).toBe('hi');
    expect(carbonsOf(a1, 'received')).toHaveLength(0);
  });

  test('a carbons-enabled resource gets sent copies; private messages are not copied', async () => {
    const { router, session } = setup();
    session('b', 'x', 0);
    const a1 = session('a', 'one', 0);
    const a2 = session('a', 'two', 0);
    enable(router, a2);
    await flush();
    router.fromClient(a1, chat(a1, 'b@localhost/x'));
    expect(carbonsOf(a2, 'sent')).toHaveLength(1);
    const secret = chat(a1, 'b@localhost/x', 'secret');
    secret.c('private', { xmlns: 'urn:xmpp:carbons:2' });
    router.fromClient(a1, secret);
    expect(carbonsOf(a2, 'sent')).toHaveLength(1);
  });

  test('resources without carbons enabled get no copies', () => {
    const { router, session } = setup();
    const b = session('b', 'x', 0);
    session('a', 'one', 0);
    const a2 = session('a', 'two', 0);
    router.fromClient(b, chat(b, 'a@localhost/one'));
    expect(carbonsOf(a2, 'received')).toHaveLength(0);
  });
});

describe('XEP-0033 multicast from components (multicast-delivery.ts)', () => {
  const link = { id: 'l1', domain: 'conference.localhost', send: () => 'queued' as const, close: () => undefined };
  function multicast(addresses: Array<[string, string]>, extra?: (m: Element) => void): Element {
    const m = new Element('message', { from: 'room@conference.localhost/nick', to: 'localhost', type: 'groupchat' });
    m.c('body').t('hi all');
    const list = m.c('addresses', { xmlns: 'http://jabber.org/protocol/address' });
    for (const [type, jid] of addresses) list.c('address', { type, jid });
    extra?.(m);
    return m;
  }

  test("a component's stanza to the server with blind addresses reaches each address once, without the list", () => {
    const { router, session } = setup();
    const a = session('a', 'r1', 0);
    const b = session('b', 'r2', 0);
    router.fromComponent(link, multicast([['bcc', 'a@localhost/r1'], ['bcc', 'b@localhost/r2']]));
    const toA = a.got.filter((s) => s.getChildText('body') === 'hi all');
    const toB = b.got.filter((s) => s.getChildText('body') === 'hi all');
    expect(toA.map((s) => s.attrs.to)).toEqual(['a@localhost/r1']);
    expect(toB.map((s) => s.attrs.to)).toEqual(['b@localhost/r2']);
    expect(toA[0]!.attrs.from).toBe('room@conference.localhost/nick');
    expect(toA[0]!.getChild('addresses')).toBeUndefined();
  });

  test('to and cc addresses stay visible, marked delivered', () => {
    const { router, session } = setup();
    const a = session('a', 'r1', 0);
    router.fromComponent(link, multicast([['to', 'a@localhost/r1'], ['bcc', 'b@localhost/x']]));
    const got = a.got.find((s) => s.getChildText('body') === 'hi all')!;
    const shown = got.getChild('addresses')!.getChildren('address');
    expect(shown.map((x) => [x.attrs.type, x.attrs.jid, x.attrs.delivered])).toEqual([['to', 'a@localhost/r1', 'true']]);
  });

  test('the server advertises the multicast feature', async () => {
    const { router } = setup();
    expect(router.serverIq.features.has('http://jabber.org/protocol/address')).toBe(true);
  });
});
