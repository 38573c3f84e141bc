// End-to-end with a client library we did not write (@xmpp/client) over real sockets.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

// The all-in-one generates a self-signed certificate; @xmpp/client cannot be given a CA.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
  await server.addUser('carol', 'carol-pw');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});

afterAll(async () => {
  await server.stop();
});

interface ConnectOptions { mechanism?: 'PLAIN' | 'SCRAM-SHA-1'; directTls?: boolean; resource?: string; password?: string }

function connect(username: string, options: ConnectOptions = {}): XmppClient {
  const service = options.directTls ? `xmpps://127.0.0.1:${server.c2sTlsPort}` : `xmpp://127.0.0.1:${server.c2sPort}`;
  const password = options.password ?? `${username}-pw`;
  const xmpp = client({
    service,
    domain: server.domain,
    resource: options.resource ?? 'test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>, mechanisms: string[]) => {
      const mechanism = options.mechanism ?? mechanisms[0]!;
      await authenticate({ username, password }, mechanism);
    },
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  return xmpp;
}


describe('c2s with @xmpp/client', () => {
  test.each([
    ['STARTTLS', 'SCRAM-SHA-1', false],
    ['STARTTLS', 'PLAIN', false],
    ['direct TLS', 'SCRAM-SHA-1', true],
    ['direct TLS', 'PLAIN', true],
  ] as const)('logs in over %s with %s', async (_transport, mechanism, directTls) => {
    const xmpp = connect('alice', { mechanism, directTls });
    const address = await xmpp.start();
    expect(address.toString()).toBe(`alice@${server.domain}/test`);
  });

  test('wrong password fails with not-authorized', async () => {
    const xmpp = connect('alice', { password: 'wrong' });
    await expect(xmpp.start()).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  test('two users exchange messages', async () => {
    const alice = connect('alice');
    const bob = connect('bob');
    await Promise.all([alice.start(), bob.start()]);
    // Each waits for its own presence to come back (RFC 6121 §4.2.2): until bob's is handled he has
    // no available resource, and a message to his bare JID rightly goes to offline storage.
    const echoed = (c: typeof alice) => nextStanza(c, (el) => el.is('presence') && el.attrs.from === c.jid?.toString(), 15_000);
    const echoes = [echoed(alice), echoed(bob)];
    await Promise.all([alice.send(xml('presence')), bob.send(xml('presence'))]);
    await Promise.all(echoes);
    // Generous waits: this runs beside the whole suite, where a loaded machine can take seconds.
    const received = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'hello bob', 15_000);
    await alice.send(xml('message', { to: `bob@${server.domain}`, type: 'chat' }, xml('body', {}, 'hello bob')));
    const message = await received;
    expect(message.attrs.from).toBe(`alice@${server.domain}/test`);
    const reply = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'hi alice', 15_000);
    await bob.send(xml('message', { to: message.attrs.from, type: 'chat' }, xml('body', {}, 'hi alice')));
    await reply;
  }, 40_000);

  test('a message to an offline user arrives at their next login', async () => {
    const alice = connect('alice');
    await alice.start();
    await alice.send(xml('message', { to: `carol@${server.domain}`, type: 'chat' }, xml('body', {}, 'while you were away')));
    await new Promise((r) => setTimeout(r, 200));
    const carol = connect('carol');
    const offline = nextStanza(carol, (el) => el.is('message') && el.getChildText('body') === 'while you were away');
    await carol.start();
    await carol.send(xml('presence'));
    const message = await offline;
    expect(message.getChild('delay', 'urn:xmpp:delay')).toBeDefined();
  });

  test('a second login with the same resource replaces the first (conflict)', async () => {
    const first = connect('alice', { resource: 'phone' });
    await first.start();
    const replaced = new Promise<any>((resolve) => first.on('error', resolve));
    const second = connect('alice', { resource: 'phone' });
    await second.start();
    const error = await replaced;
    expect(error.condition).toBe('conflict');
  });

  test('roster add, subscription handshake and presence seen by both', async () => {
    const alice = connect('alice', { resource: 'r1' });
    const bob = connect('bob', { resource: 'r1' });
    await Promise.all([alice.start(), bob.start()]);
    await alice.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await bob.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await Promise.all([alice.send(xml('presence')), bob.send(xml('presence'))]);

    const alicePush = nextStanza(alice, (el) => el.is('iq') && el.attrs.type === 'set' && el.getChild('query', 'jabber:iq:roster'));
    await alice.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: `bob@${server.domain}`, name: 'Bob' }, xml('group', {}, 'Friends')))));
    const push = await alicePush;
    expect(push.getChild('query').getChild('item').attrs).toMatchObject({ jid: `bob@${server.domain}`, name: 'Bob', subscription: 'none' });

    const request = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'subscribe');
    await alice.send(xml('presence', { to: `bob@${server.domain}`, type: 'subscribe' }));
    expect((await request).attrs.from).toBe(`alice@${server.domain}`);

    const approved = nextStanza(alice, (el) => el.is('presence') && el.attrs.type === 'subscribed');
    const bobsPresence = nextStanza(alice, (el) => el.is('presence') && !el.attrs.type && el.attrs.from === `bob@${server.domain}/r1`);
    await bob.send(xml('presence', { to: `alice@${server.domain}`, type: 'subscribed' }));
    await approved;
    await bobsPresence;

    const roster = await alice.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    expect(roster.getChild('query').getChild('item').attrs.subscription).toBe('to');
    const bobRoster = await bob.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    expect(bobRoster.getChild('query').getChild('item').attrs).toMatchObject({ jid: `alice@${server.domain}`, subscription: 'from' });

    // Bob now receives Alice's presence changes (she is his subscriber's contact: he has 'from').
    const away = nextStanza(bob, (el) => el.is('presence') && el.getChildText('show') === 'away');
    await alice.send(xml('presence', {}, xml('show', {}, 'away')));
    // Alice has 'to' only, so Bob does not see hers; but Alice sees Bob's.
    const bobAway = nextStanza(alice, (el) => el.is('presence') && el.getChildText('show') === 'dnd');
    await bob.send(xml('presence', {}, xml('show', {}, 'dnd')));
    await bobAway;
    await expect(Promise.race([away.then(() => 'seen'), new Promise((r) => setTimeout(() => r('not seen'), 300))])).resolves.toBe('not seen');
  });

  test('server answers disco#info, ping, version and time', async () => {
    const alice = connect('alice');
    await alice.start();
    const info = await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = info.getChild('query').getChildren('feature').map((f: any) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:ping', 'jabber:iq:version', 'urn:xmpp:time', 'msgoffline']));
    const items = await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.getChild('query').getChildren('item').map((i: any) => i.attrs.jid)).toContain(`roster.${server.domain}`);
    await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const version = await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(version.getChild('query').getChildText('name')).toBe('Pampero');
    const time = await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('time', { xmlns: 'urn:xmpp:time' })));
    expect(time.getChild('time').getChildText('utc')).toMatch(/Z$/);
  });

  test('message carbons reach the user\'s other resource (XEP-0280)', async () => {
    const phone = connect('alice', { resource: 'phone' });
    const laptop = connect('alice', { resource: 'laptop' });
    const bob = connect('bob', { resource: 'desk' });
    await Promise.all([phone.start(), laptop.start(), bob.start()]);
    await Promise.all([phone.send(xml('presence')), laptop.send(xml('presence')), bob.send(xml('presence'))]);
    await laptop.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })));
    const copy = nextStanza(laptop, (el) => el.is('message') && el.getChild('received', 'urn:xmpp:carbons:2'));
    await bob.send(xml('message', { to: `alice@${server.domain}/phone`, type: 'chat' }, xml('body', {}, 'to the phone')));
    const carbon = await copy;
    const inner = carbon.getChild('received').getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(inner.getChildText('body')).toBe('to the phone');
  });
});
