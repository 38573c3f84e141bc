// Federation end to end (docs/s2s.md): two all-in-one servers on different domains, routed to
// each other by s2s.routes on loopback, real @xmpp/client users on each; and raw sockets playing a
// remote server that lies (a spoofed from, a bad dialback key).
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { online as federationOnline, type XmppClient } from '../support/federation-clients.js';
import { nextStanza } from '../support/next-stanza.js';
import { freePorts } from '../support/free-port.js';

// The servers' certificates are self-signed; @xmpp/client cannot be given a CA.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let a: TestServer;
let b: TestServer;
let silent: Server;
let evil: Server;
const clients: XmppClient[] = [];
const raw: Socket[] = [];
let ports: { a: number; b: number; down: number; silent: number; evil: number };

beforeAll(async () => {
  const [pa, pb, down, silentPort, evilPort] = await freePorts(5);
  ports = { a: pa!, b: pb!, down: down!, silent: silentPort!, evil: evilPort! };
  // Accepts and never says a word: the stream setup times out.
  silent = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => silent.listen(ports.silent, '127.0.0.1', resolve));
  evil = createServer(fakeAuthoritativeServer);
  await new Promise<void>((resolve) => evil.listen(ports.evil, '127.0.0.1', resolve));
  const s2s = (port: number) => ({
    enabled: true,
    host: '127.0.0.1',
    port,
    allowPlainFromLoopback: true,
    connectTimeoutSeconds: 2,
    routes: [
      `a.test=127.0.0.1:${ports.a}`,
      `conference.a.test=127.0.0.1:${ports.a}`,
      `b.test=127.0.0.1:${ports.b}`,
      `down.test=127.0.0.1:${ports.down}`,
      `silent.test=127.0.0.1:${ports.silent}`,
      `evil.test=127.0.0.1:${ports.evil}`,
    ],
  });
  [a, b] = await Promise.all([startTestServer({ domain: 'a.test', s2s: s2s(ports.a) }), startTestServer({ domain: 'b.test', s2s: s2s(ports.b) })]);
  await a.addUser('alice', 'alice-pw');
  await b.addUser('bob', 'bob-pw');
});

afterEach(async () => {
  for (const socket of raw.splice(0)) socket.destroy();
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  silent?.close();
  evil?.close();
});

const online = (server: TestServer, username: string) => federationOnline(server, username, clients);

const errorCondition = (el: any): string | undefined => el.getChild('error')?.children.find((c: any) => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name;

describe('two Pampero servers federate', () => {
  test('a user on a.test messages a user on b.test and the reply comes back', async () => {
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    const received = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'hello from a', 15_000);
    await alice.send(xml('message', { to: 'bob@b.test', type: 'chat' }, xml('body', {}, 'hello from a')));
    const message = await received;
    expect(message.attrs.from).toBe('alice@a.test/test');
    expect(message.attrs.to).toBe('bob@b.test');
    const reply = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'hello from b', 15_000);
    await bob.send(xml('message', { to: 'alice@a.test/test', type: 'chat' }, xml('body', {}, 'hello from b')));
    expect((await reply).attrs.from).toBe('bob@b.test/test');
  });

  test('iq ping to the remote server and to a remote user, and the answers come back', async () => {
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    const serverPong = nextStanza(alice, (el) => el.is('iq') && el.attrs.id === 'ping-server', 15_000);
    await alice.send(xml('iq', { type: 'get', to: 'b.test', id: 'ping-server' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const pong = await serverPong;
    expect(pong.attrs).toMatchObject({ type: 'result', from: 'b.test' });

    bob.on('stanza', (el: any) => {
      if (el.is('iq') && el.attrs.type === 'get' && el.getChild('ping', 'urn:xmpp:ping')) void bob.send(xml('iq', { type: 'result', to: el.attrs.from, id: el.attrs.id }));
    });
    const userPong = nextStanza(alice, (el) => el.is('iq') && el.attrs.id === 'ping-bob', 15_000);
    await alice.send(xml('iq', { type: 'get', to: 'bob@b.test/test', id: 'ping-bob' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect((await userPong).attrs).toMatchObject({ type: 'result', from: 'bob@b.test/test' });
  });

  test('directed presence crosses, and unavailable follows when the sender goes', async () => {
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    const seen = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === 'alice@a.test/test' && !el.attrs.type, 15_000);
    await alice.send(xml('presence', { to: 'bob@b.test/test' }, xml('status', {}, 'hi bob')));
    expect((await seen).getChildText('status')).toBe('hi bob');
    const gone = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === 'alice@a.test/test' && el.attrs.type === 'unavailable', 15_000);
    await alice.send(xml('presence', { type: 'unavailable' }));
    await gone;
  });
});

describe('presence subscriptions with a remote contact (RFC 6121 §3 across servers)', () => {
  test('alice subscribes to bob on the other server, bob approves, alice sees his presence and her roster says to', async () => {
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    const request = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'subscribe', 15_000);
    await alice.send(xml('presence', { to: 'bob@b.test', type: 'subscribe' }));
    expect((await request).attrs.from).toBe('alice@a.test');

    const approved = nextStanza(alice, (el) => el.is('presence') && el.attrs.type === 'subscribed' && el.attrs.from === 'bob@b.test', 15_000);
    // After 'subscribed', a.test probes bob (§3.1.5); b.test's roster says alice may see him, so it answers.
    const bobsPresence = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === 'bob@b.test/test' && !el.attrs.type, 15_000);
    await bob.send(xml('presence', { to: 'alice@a.test', type: 'subscribed' }));
    await approved;
    await bobsPresence;

    const roster = nextStanza(alice, (el) => el.is('iq') && el.attrs.id === 'roster-1', 15_000);
    await alice.send(xml('iq', { type: 'get', id: 'roster-1' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    const item = (await roster).getChild('query').getChildren('item').find((i: any) => i.attrs.jid === 'bob@b.test');
    expect(item?.attrs.subscription).toBe('to');

    // Bob's next presence reaches alice through b.test's roster fan-out.
    const away = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === 'bob@b.test/test' && el.getChildText('show') === 'away', 15_000);
    await bob.send(xml('presence', {}, xml('show', {}, 'away')));
    await away;
  });
});

describe('our subdomains federate too', () => {
  test('bob on b.test enters a room on conference.a.test and chats with alice there', async () => {
    const MUC = 'http://jabber.org/protocol/muc';
    const room = 'tavern@conference.a.test';
    const selfPresence = (nick: string) => (el: any) => el.is('presence') && el.attrs.from === `${room}/${nick}` && (el.getChild('x', `${MUC}#user`)?.getChildren('status') ?? []).some((st: any) => st.attrs.code === '110');
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    const created = nextStanza(alice, selfPresence('Alice'), 15_000);
    await alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: MUC })));
    await created;
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));

    const aliceSeesBob = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Bob`, 15_000);
    const bobEntered = nextStanza(bob, selfPresence('Bob'), 15_000);
    await bob.send(xml('presence', { to: `${room}/Bob` }, xml('x', { xmlns: MUC })));
    await bobEntered;
    await aliceSeesBob;

    const atAlice = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'a round for everyone', 15_000);
    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'a round for everyone', 15_000);
    await bob.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'a round for everyone')));
    expect((await atAlice).attrs.from).toBe(`${room}/Bob`);
    expect((await atBob).attrs.from).toBe(`${room}/Bob`);
  });
});

describe('unreachable domains bounce quickly', () => {
  test('nobody listening: remote-server-not-found', async () => {
    const alice = await online(a, 'alice');
    const started = Date.now();
    const bounce = nextStanza(alice, (el) => el.is('message') && el.attrs.type === 'error', 10_000);
    await alice.send(xml('message', { to: 'someone@down.test', type: 'chat', id: 'm-down' }, xml('body', {}, 'anyone?')));
    const error = await bounce;
    expect(error.attrs).toMatchObject({ from: 'someone@down.test', id: 'm-down' });
    expect(errorCondition(error)).toBe('remote-server-not-found');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a server that never answers: remote-server-timeout after s2s.connectTimeoutSeconds', async () => {
    const alice = await online(a, 'alice');
    const bounce = nextStanza(alice, (el) => el.is('iq') && el.attrs.type === 'error', 10_000);
    const started = Date.now();
    await alice.send(xml('iq', { type: 'get', to: 'silent.test', id: 'ping-silent' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const error = await bounce;
    expect(errorCondition(error)).toBe('remote-server-timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe('inbound streams from a lying server are refused', () => {
  test('a bad dialback key for a.test: b.test asks a.test, gets invalid, and ends the stream with not-authorized', async () => {
    const peer = await rawPeer(ports.b, 'a.test');
    peer.send(`<db:result from='a.test' to='b.test'>0123456789abcdef</db:result>`);
    const text = await peer.waitFor(/<\/stream:stream>/);
    expect(text).toMatch(/<db:result[^>]*type=["']invalid["']/);
    expect(text).toContain('<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });

  test('a stanza before dialback: not-authorized', async () => {
    const peer = await rawPeer(ports.b, 'a.test');
    peer.send(`<message from='alice@a.test' to='bob@b.test'><body>sneaky</body></message>`);
    expect(await peer.waitFor(/<\/stream:stream>/)).toContain('<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });

  test('validated as evil.test, a stanza from a.test is invalid-from', async () => {
    const peer = await rawPeer(ports.b, 'evil.test');
    peer.send(`<db:result from='evil.test' to='b.test'>whatever-evil-says</db:result>`);
    await peer.waitFor(/<db:result[^>]*type=["']valid["']/);
    peer.send(`<message from='alice@a.test/x' to='bob@b.test'><body>I am alice</body></message>`);
    expect(await peer.waitFor(/<\/stream:stream>/)).toContain('<invalid-from xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });

  test('validated as evil.test, a stanza for a domain b.test does not serve is host-unknown, one without from improper-addressing', async () => {
    const first = await rawPeer(ports.b, 'evil.test');
    first.send(`<db:result from='evil.test' to='b.test'>whatever-evil-says</db:result>`);
    await first.waitFor(/<db:result[^>]*type=["']valid["']/);
    first.send(`<message from='mallory@evil.test' to='carol@c.test'><body>relay this</body></message>`);
    expect(await first.waitFor(/<\/stream:stream>/)).toContain('<host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
    const second = await rawPeer(ports.b, 'evil.test');
    second.send(`<db:result from='evil.test' to='b.test'>whatever-evil-says</db:result>`);
    await second.waitFor(/<db:result[^>]*type=["']valid["']/);
    second.send(`<message to='bob@b.test'><body>who am I</body></message>`);
    expect(await second.waitFor(/<\/stream:stream>/)).toContain('<improper-addressing xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });
});

/** A raw s2s stream to `port` claiming `from`, plain (the servers allow it from loopback), past the features. */
async function rawPeer(port: number, from: string) {
  const socket = netConnect({ host: '127.0.0.1', port });
  raw.push(socket);
  socket.on('error', () => {});
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const peer = {
    send: (data: string) => socket.write(data),
    waitFor: (re: RegExp, timeoutMs = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (re.test(text)) return resolve(text);
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${re}; got ${text}`));
          setTimeout(check, 20);
        };
        check();
      }),
  };
  peer.send(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='${from}' to='b.test' version='1.0'>`);
  await peer.waitFor(/<\/stream:features>/);
  return peer;
}

/** evil.test's "authoritative server": no TLS, and it vouches for any key (db:verify valid). */
function fakeAuthoritativeServer(socket: Socket): void {
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  let buffer = '';
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.includes('<stream:stream') && !buffer.includes('<!header-sent>')) {
      buffer += '<!header-sent>';
      socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' id='evil-stream' from='evil.test' version='1.0'><stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>`);
    }
    for (let m = /<db:verify[^>]*\bid=["']([^"']+)["'][^>]*>[^<]*<\/db:verify>/.exec(buffer); m; m = /<db:verify[^>]*\bid=["']([^"']+)["'][^>]*>[^<]*<\/db:verify>/.exec(buffer)) {
      socket.write(`<db:verify from='evil.test' to='b.test' id='${m[1]}' type='valid'/>`);
      buffer = buffer.replace(m[0], '');
    }
    const result = /<db:result[^>]*>[^<]*<\/db:result>/.exec(buffer);
    if (result) {
      socket.write(`<db:result from='evil.test' to='b.test' type='valid'/>`);
      buffer = buffer.replace(result[0], '');
    }
  });
}
