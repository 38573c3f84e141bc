// End-to-end with @xmpp/client over real sockets: XEP-0191 blocking, XEP-0054 vCards, XEP-0049
// private XML, XEP-0012 last activity and XEP-0157 contact addresses (docs/account-features.md).
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

type XmppClient = ReturnType<typeof client>;
const BLOCKING = 'urn:xmpp:blocking';
let server: TestServer;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ contactAddresses: { abuse: ['mailto:abuse@example.org'], admin: ['xmpp:admin@example.org'] } });
  for (const name of ['alice', 'bob', 'carol', 'dave']) await server.addUser(name, `${name}-pw`);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});
afterAll(async () => {
  await server.stop();
});

function connect(username: string, resource = 'test'): XmppClient {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource, username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  return xmpp;
}
const jid = (name: string) => `${name}@${server.domain}`;

/** `from` subscribes to `to`'s presence and `to` approves (RFC 6121 §3): `to` has 'from' (or 'both'). */
async function subscribe(from: XmppClient, fromName: string, to: XmppClient, toName: string): Promise<void> {
  const asked = nextStanza(to, (el) => el.is('presence') && el.attrs.type === 'subscribe');
  await from.send(xml('presence', { to: jid(toName), type: 'subscribe' }));
  await asked;
  const approved = nextStanza(from, (el) => el.is('presence') && el.attrs.type === 'subscribed');
  await to.send(xml('presence', { to: jid(fromName), type: 'subscribed' }));
  await approved;
}

test('XEP-0191: a block pushes to the other resource, stops presence and refuses messages both ways; unblock undoes it', async () => {
  const phone = connect('alice', 'phone');
  const laptop = connect('alice', 'laptop');
  const bob = connect('bob', 'desk');
  await Promise.all([phone.start(), laptop.start(), bob.start()]);
  for (const c of [phone, laptop]) {
    const list = await c.iqCaller.request(xml('iq', { type: 'get' }, xml('blocklist', { xmlns: BLOCKING })));
    expect(list.getChild('blocklist', BLOCKING).getChildren('item')).toEqual([]);
  }
  await Promise.all([phone.send(xml('presence')), laptop.send(xml('presence')), bob.send(xml('presence'))]);
  await subscribe(bob, 'bob', phone, 'alice'); // Bob sees Alice's presence
  const seen = nextStanza(bob, (el) => el.is('presence') && el.getChildText('status') === 'here');
  await phone.send(xml('presence', {}, xml('status', {}, 'here')));
  await seen;

  const pushed = nextStanza(laptop, (el) => el.is('iq') && el.attrs.type === 'set' && el.getChild('block', BLOCKING));
  const gone = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'unavailable' && el.attrs.from === `${jid('alice')}/phone`);
  await phone.iqCaller.request(xml('iq', { type: 'set' }, xml('block', { xmlns: BLOCKING }, xml('item', { jid: jid('bob') }))));
  expect((await pushed).getChild('block', BLOCKING).getChild('item').attrs.jid).toBe(jid('bob'));
  await gone;

  // Bob's message bounces with service-unavailable; Alice sees nothing of it.
  const bounced = nextStanza(bob, (el) => el.is('message') && el.attrs.type === 'error');
  const leaked = nextStanza(phone, (el) => el.is('message') && el.attrs.from?.startsWith(jid('bob')), 500).then(() => 'leaked', () => 'nothing');
  await bob.send(xml('message', { to: jid('alice'), type: 'chat' }, xml('body', {}, 'let me in')));
  expect((await bounced).getChild('error').getChild('service-unavailable')).toBeDefined();
  expect(await leaked).toBe('nothing');
  // Alice's presence no longer reaches Bob.
  const presenceLeak = nextStanza(bob, (el) => el.is('presence') && el.getChildText('status') === 'still here', 500).then(() => 'leaked', () => 'nothing');
  await phone.send(xml('presence', {}, xml('status', {}, 'still here')));
  expect(await presenceLeak).toBe('nothing');
  // Alice's own message to Bob is refused with not-acceptable + <blocked/>.
  const refused = nextStanza(laptop, (el) => el.is('message') && el.attrs.type === 'error');
  await laptop.send(xml('message', { to: jid('bob'), type: 'chat' }, xml('body', {}, 'oops')));
  const error = (await refused).getChild('error');
  expect(error.getChild('not-acceptable')).toBeDefined();
  expect(error.getChild('blocked', 'urn:xmpp:blocking:errors')).toBeDefined();

  // Unblock: Bob gets Alice's presence again and his messages arrive.
  const unpushed = nextStanza(laptop, (el) => el.is('iq') && el.attrs.type === 'set' && el.getChild('unblock', BLOCKING));
  const back = nextStanza(bob, (el) => el.is('presence') && !el.attrs.type && el.attrs.from === `${jid('alice')}/phone`);
  await phone.iqCaller.request(xml('iq', { type: 'set' }, xml('unblock', { xmlns: BLOCKING }, xml('item', { jid: jid('bob') }))));
  await unpushed;
  await back;
  const arrived = nextStanza(phone, (el) => el.is('message') && el.getChildText('body') === 'hello again');
  await bob.send(xml('message', { to: `${jid('alice')}/phone`, type: 'chat' }, xml('body', {}, 'hello again')));
  await arrived;
});

test('XEP-0054: a vCard set by one user is read by another; XEP-0049: private XML round-trips, jabber:* is refused', async () => {
  const carol = connect('carol');
  const dave = connect('dave');
  await Promise.all([carol.start(), dave.start()]);
  await carol.iqCaller.request(
    xml('iq', { type: 'set' }, xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Carol C.'), xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, 'iVBORw0KGgo=')))),
  );
  const theirs = await dave.iqCaller.request(xml('iq', { type: 'get', to: jid('carol') }, xml('vCard', { xmlns: 'vcard-temp' })));
  expect(theirs.getChild('vCard').getChildText('FN')).toBe('Carol C.');
  expect(theirs.getChild('vCard').getChild('PHOTO').getChildText('BINVAL')).toBe('iVBORw0KGgo=');
  await expect(dave.iqCaller.request(xml('iq', { type: 'get', to: jid('bob') }, xml('vCard', { xmlns: 'vcard-temp' })))).rejects.toMatchObject({ condition: 'item-not-found' });

  const bookmarks = xml('storage', { xmlns: 'storage:bookmarks' }, xml('conference', { jid: `room@conference.${server.domain}`, autojoin: 'true' }));
  await carol.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:private' }, bookmarks)));
  const stored = await carol.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }))));
  expect(stored.getChild('query').getChild('storage', 'storage:bookmarks').getChild('conference').attrs.autojoin).toBe('true');
  const reserved = carol.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('query', { xmlns: 'jabber:iq:roster' }))));
  await expect(reserved).rejects.toMatchObject({ condition: 'not-acceptable' });
  const snoop = dave.iqCaller.request(xml('iq', { type: 'get', to: jid('carol') }, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' }))));
  await expect(snoop).rejects.toMatchObject({ condition: 'forbidden' });
});

test('XEP-0012: a subscribed contact gets the time since logout and its status, others forbidden; the server its uptime', async () => {
  const carol = connect('carol', 'last');
  const dave = connect('dave', 'last');
  const bob = connect('bob', 'last');
  await Promise.all([carol.start(), dave.start(), bob.start()]);
  await Promise.all([carol.send(xml('presence')), dave.send(xml('presence'))]);
  await subscribe(dave, 'dave', carol, 'carol'); // Carol's roster: Dave 'from'
  const online = await dave.iqCaller.request(xml('iq', { type: 'get', to: jid('carol') }, xml('query', { xmlns: 'jabber:iq:last' })));
  expect(online.getChild('query').attrs.seconds).toBe('0');
  const offline = nextStanza(dave, (el) => el.is('presence') && el.attrs.type === 'unavailable' && el.attrs.from?.startsWith(jid('carol')));
  await carol.send(xml('presence', { type: 'unavailable' }, xml('status', {}, 'Heading Home')));
  await carol.stop();
  await offline;
  await new Promise((r) => setTimeout(r, 1100));
  const last = await dave.iqCaller.request(xml('iq', { type: 'get', to: jid('carol') }, xml('query', { xmlns: 'jabber:iq:last' })));
  expect(Number(last.getChild('query').attrs.seconds)).toBeGreaterThanOrEqual(1);
  expect(last.getChild('query').getText()).toBe('Heading Home');
  await expect(bob.iqCaller.request(xml('iq', { type: 'get', to: jid('carol') }, xml('query', { xmlns: 'jabber:iq:last' })))).rejects.toMatchObject({ condition: 'forbidden' });
  const uptime = await bob.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'jabber:iq:last' })));
  expect(Number(uptime.getChild('query').attrs.seconds)).toBeGreaterThanOrEqual(0);
});

test('disco#info advertises the features and the XEP-0157 contact addresses', async () => {
  const bob = connect('bob', 'disco');
  await bob.start();
  const info = await bob.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
  const query = info.getChild('query');
  expect(query.getChildren('feature').map((f: any) => f.attrs.var)).toEqual(expect.arrayContaining([BLOCKING, 'vcard-temp', 'jabber:iq:private', 'jabber:iq:last']));
  const form = query.getChild('x', 'jabber:x:data');
  const fields = Object.fromEntries(form.getChildren('field').map((f: any) => [f.attrs.var, f.getChildren('value').map((v: any) => v.getText())]));
  expect(fields).toEqual({ FORM_TYPE: ['http://jabber.org/network/serverinfo'], 'abuse-addresses': ['mailto:abuse@example.org'], 'admin-addresses': ['xmpp:admin@example.org'] });
});
