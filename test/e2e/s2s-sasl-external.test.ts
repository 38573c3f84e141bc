// SASL EXTERNAL between servers (RFC 6120 §6, §13.7.1.2.1; XEP-0178 §3; docs/s2s.md
// "Authentication"): a throwaway CA signs certificates for a.test (dNSName) and b.test
// (id-on-xmppAddr only); two Pampero servers that trust it authenticate each other by certificate,
// with no dialback. c.test has a self-signed certificate and trusts only Node's root CAs: between it
// and a.test dialback still does the work. Raw TLS streams check the SASL failures.
import { connect as netConnect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';
import { freePorts } from '../support/free-port.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

// The c2s certificates are not from a CA @xmpp/client knows; it cannot be given one.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

type XmppClient = ReturnType<typeof client>;
let ca: TestCa;
let a: TestServer;
let b: TestServer;
let c: TestServer;
let bCertificate: { certFile: string; keyFile: string };
let ports: { a: number; b: number; c: number };
const clients: XmppClient[] = [];
const raw: Socket[] = [];

beforeAll(async () => {
  const [pa, pb, pc] = await freePorts(3);
  ports = { a: pa!, b: pb!, c: pc! };
  ca = await createTestCa();
  const aCertificate = await ca.issue('a.test', 'DNS:a.test');
  // CN and file name 'b-server': only the id-on-xmppAddr otherName names b.test.
  bCertificate = await ca.issue('b-server', 'otherName:1.3.6.1.5.5.7.8.5;UTF8:b.test');
  const s2s = (port: number, caFile: string) => ({
    enabled: true,
    host: '127.0.0.1',
    port,
    caFile,
    allowPlainFromLoopback: false, // EXTERNAL needs TLS: STARTTLS on every stream
    connectTimeoutSeconds: 5,
    routes: [`a.test=127.0.0.1:${ports.a}`, `b.test=127.0.0.1:${ports.b}`, `c.test=127.0.0.1:${ports.c}`],
  });
  [a, b, c] = await Promise.all([
    startTestServer({ domain: 'a.test', tls: aCertificate, s2s: s2s(ports.a, ca.caFile) }),
    startTestServer({ domain: 'b.test', tls: bCertificate, s2s: s2s(ports.b, ca.caFile) }),
    startTestServer({ domain: 'c.test', s2s: s2s(ports.c, '') }), // self-signed, Node's root CAs
  ]);
  await a.addUser('alice', 'alice-pw');
  await b.addUser('bob', 'bob-pw');
  await c.addUser('carol', 'carol-pw');
});

afterEach(async () => {
  for (const socket of raw.splice(0)) socket.destroy();
  await Promise.all(clients.splice(0).map((x) => x.stop().catch(() => {})));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await ca?.remove();
});

async function online(server: TestServer, username: string): Promise<XmppClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>, mechanisms: string[]) => {
      await authenticate({ username, password: `${username}-pw` }, mechanisms[0]!);
    },
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  const echoed = nextStanza(xmpp, (el) => el.is('presence') && el.attrs.from === xmpp.jid?.toString(), 10_000);
  await xmpp.send(xml('presence'));
  await echoed;
  return xmpp;
}

async function exchange(from: XmppClient, fromJid: string, to: XmppClient, toJid: string): Promise<void> {
  const received = nextStanza(to, (el) => el.is('message') && el.getChildText('body') === `hello ${toJid}`, 15_000);
  await from.send(xml('message', { to: toJid, type: 'chat' }, xml('body', {}, `hello ${toJid}`)));
  expect((await received).attrs.from).toBe(`${fromJid}/test`);
  const reply = nextStanza(from, (el) => el.is('message') && el.getChildText('body') === `hello ${fromJid}`, 15_000);
  await to.send(xml('message', { to: `${fromJid}/test`, type: 'chat' }, xml('body', {}, `hello ${fromJid}`)));
  expect((await reply).attrs.from).toBe(`${toJid}/test`);
}

const outboundTo = (server: TestServer, remote: string) => server.federation!.streams().outbound.find((s) => s.remote === remote);
const inboundFrom = (server: TestServer, remote: string) => server.federation!.streams().inboundPairs.filter((p) => p.remote === remote);

describe('servers with certificates from a CA they trust authenticate with SASL EXTERNAL', () => {
  test('a message from a.test to b.test and the reply cross, both streams authenticated by certificate, none by dialback', async () => {
    const [alice, bob] = await Promise.all([online(a, 'alice'), online(b, 'bob')]);
    await exchange(alice, 'alice@a.test', bob, 'bob@b.test');
    expect(outboundTo(a, 'b.test')).toMatchObject({ state: 'ready', secure: true, authenticatedBy: 'sasl-external' });
    expect(outboundTo(b, 'a.test')).toMatchObject({ state: 'ready', secure: true, authenticatedBy: 'sasl-external' });
    expect(inboundFrom(b, 'a.test')).toEqual([{ remote: 'a.test', local: 'b.test', by: 'sasl-external' }]);
    expect(inboundFrom(a, 'b.test')).toEqual([{ remote: 'b.test', local: 'a.test', by: 'sasl-external' }]);
  });
});

describe('without a trusted certificate, dialback still authenticates', () => {
  test('c.test (self-signed, trusts no test CA) and a.test exchange messages, both streams by dialback', async () => {
    const [alice, carol] = await Promise.all([online(a, 'alice'), online(c, 'carol')]);
    await exchange(carol, 'carol@c.test', alice, 'alice@a.test');
    expect(outboundTo(c, 'a.test')).toMatchObject({ state: 'ready', secure: true, authenticatedBy: 'dialback' });
    expect(outboundTo(a, 'c.test')).toMatchObject({ state: 'ready', secure: true, authenticatedBy: 'dialback' });
    expect(inboundFrom(a, 'c.test')).toEqual([{ remote: 'c.test', local: 'a.test', by: 'dialback' }]);
  });
});

describe('SASL EXTERNAL failures (RFC 6120 §6.4.5)', () => {
  test("b.test's certificate with an authzid of another domain: invalid-authzid, the stream stays open, then '=' succeeds", async () => {
    const peer = await tlsPeer(ports.a, 'b.test', bCertificate);
    expect(peer.features()).toContain('<mechanism>EXTERNAL</mechanism>');
    peer.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${Buffer.from('c.test').toString('base64')}</auth>`);
    expect(await peer.waitFor(/<failure[^>]*>.*?<\/failure>/)).toMatch(/<failure xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["']><invalid-authzid\/><\/failure>/);
    peer.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>`);
    await peer.waitFor(/<success xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["']\/>/);
    expect(peer.text()).not.toContain('</stream:stream>');
  });

  test("b.test's certificate on a stream from evil.test: no EXTERNAL offered, and an <auth/> is not-authorized", async () => {
    const peer = await tlsPeer(ports.a, 'evil.test', bCertificate);
    expect(peer.features()).not.toContain('EXTERNAL');
    expect(peer.features()).toContain('urn:xmpp:features:dialback');
    peer.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>`);
    expect(await peer.waitFor(/<failure[^>]*>.*?<\/failure>/)).toContain('<not-authorized/>');
    peer.send(`<message from='mallory@evil.test' to='alice@a.test'><body>let me in</body></message>`);
    expect(await peer.waitFor(/<\/stream:stream>/)).toContain('<not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });
});

/** A raw s2s stream claiming `from`, STARTTLS with `certificate` as the client certificate, up to the features after TLS. */
async function tlsPeer(port: number, from: string, certificate: { certFile: string; keyFile: string }) {
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='${from}' to='a.test' version='1.0'>`;
  let text = '';
  const socket = netConnect({ host: '127.0.0.1', port });
  raw.push(socket);
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  const waitFor = (re: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (re.test(text)) return resolve(text);
        if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${re}; got ${text}`));
        setTimeout(check, 20);
      };
      check();
    });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(header);
  await waitFor(/<\/stream:features>/);
  socket.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
  await waitFor(/<proceed/);
  socket.removeAllListeners('data');
  text = '';
  const [cert, key] = await Promise.all([readFile(certificate.certFile), readFile(certificate.keyFile)]);
  const secure = tlsConnect({ socket, cert, key, servername: 'a.test', rejectUnauthorized: false });
  raw.push(secure);
  secure.on('error', () => {});
  secure.setEncoding('utf8');
  secure.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
  secure.write(header);
  await waitFor(/<\/stream:features>/);
  const features = /<stream:features>.*<\/stream:features>/s.exec(text)![0];
  return { send: (data: string) => secure.write(data), waitFor, text: () => text, features: () => features };
}
