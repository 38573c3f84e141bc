// SASL EXTERNAL between servers (RFC 6120 §6, §13.7.1.2.1; XEP-0178 §3; docs/s2s.md
// "Authentication"): a throwaway CA signs certificates for a.test (dNSName) and b.test
// (id-on-xmppAddr only); two Pampero servers that trust it authenticate each other by certificate,
// with no dialback (b.test with s2s.verifyCertificates: a.test's certificate checked against the CA). c.test has a self-signed certificate and trusts only Node's root CAs: between it
// and a.test dialback still does the work. A fake picky.test offers EXTERNAL and refuses it (a.test
// then uses dialback on the same stream); raw TLS streams check the SASL failures we answer.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { online as federationOnline, type XmppClient } from '../support/federation-clients.js';
import { nextStanza } from '../support/next-stanza.js';
import { freePorts } from '../support/free-port.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

// The c2s certificates are not from a CA @xmpp/client knows; it cannot be given one.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let ca: TestCa;
let a: TestServer;
let b: TestServer;
let c: TestServer;
let bCertificate: { certFile: string; keyFile: string };
let ports: { a: number; b: number; c: number; picky: number };
let picky: Server;
/** What a.test sent the fake picky.test server after TLS. */
let pickyReceived = '';
const clients: XmppClient[] = [];
const raw: Socket[] = [];

beforeAll(async () => {
  const [pa, pb, pc, pp] = await freePorts(4);
  ports = { a: pa!, b: pb!, c: pc!, picky: pp! };
  ca = await createTestCa();
  const pickyCertificate = await ca.issue('picky.test', 'DNS:picky.test');
  const pickyTls = { cert: await readFile(pickyCertificate.certFile), key: await readFile(pickyCertificate.keyFile) };
  picky = createServer((socket) => pickyServer(socket, pickyTls));
  await new Promise<void>((resolve) => picky.listen(ports.picky, '127.0.0.1', resolve));
  const aCertificate = await ca.issue('a.test', 'DNS:a.test');
  // CN and file name 'b-server': only the id-on-xmppAddr otherName names b.test.
  bCertificate = await ca.issue('b-server', 'otherName:1.3.6.1.5.5.7.8.5;UTF8:b.test');
  const s2s = (port: number, caFile: string, verifyCertificates = false) => ({
    enabled: true,
    host: '127.0.0.1',
    port,
    caFile,
    verifyCertificates,
    allowPlainFromLoopback: false, // EXTERNAL needs TLS: STARTTLS on every stream
    connectTimeoutSeconds: 5,
    routes: [`a.test=127.0.0.1:${ports.a}`, `b.test=127.0.0.1:${ports.b}`, `c.test=127.0.0.1:${ports.c}`, `picky.test=127.0.0.1:${ports.picky}`],
  });
  [a, b, c] = await Promise.all([
    startTestServer({ domain: 'a.test', tls: aCertificate, s2s: s2s(ports.a, ca.caFile) }),
    // b.test also checks the certificates of the servers it connects to, against s2s.caFile.
    startTestServer({ domain: 'b.test', tls: bCertificate, s2s: s2s(ports.b, ca.caFile, true) }),
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
  picky?.close();
  await ca?.remove();
});

const online = (server: TestServer, username: string) => federationOnline(server, username, clients);

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
  test('a remote that offers EXTERNAL and then refuses it: a.test falls back to dialback on the same stream, and the message goes', async () => {
    const alice = await online(a, 'alice');
    await alice.send(xml('message', { to: 'someone@picky.test', type: 'chat' }, xml('body', {}, 'after the failure')));
    const deadline = Date.now() + 10_000;
    while (!pickyReceived.includes('after the failure') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pickyReceived).toMatch(/<auth xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["'] mechanism=["']EXTERNAL["']>=<\/auth>/);
    expect(pickyReceived.indexOf('<db:result')).toBeGreaterThan(pickyReceived.indexOf('<auth'));
    expect(pickyReceived).toContain('after the failure');
    expect(outboundTo(a, 'picky.test')).toMatchObject({ state: 'ready', secure: true, authenticatedBy: 'dialback' });
  });

  test("b.test's certificate with an authzid of another domain: invalid-authzid, the stream stays open, then '=' succeeds and b.test is validated as by dialback", async () => {
    const peer = await tlsPeer(ports.a, 'b.test', bCertificate);
    expect(peer.features()).toContain('<mechanism>EXTERNAL</mechanism>');
    peer.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${Buffer.from('c.test').toString('base64')}</auth>`);
    expect(await peer.waitFor(/<failure[^>]*>.*?<\/failure>/)).toMatch(/<failure xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["']><invalid-authzid\/><\/failure>/);
    peer.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>`);
    await peer.waitFor(/<success xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["']\/>/);
    expect(peer.text()).not.toContain('</stream:stream>');
    // RFC 6120 §6.4.6: a new stream; its features offer dialback (more domains), no more SASL.
    peer.restart();
    const features = await peer.waitFor(/<\/stream:features>/);
    expect(features).not.toContain('EXTERNAL');
    expect(features).toContain('urn:xmpp:features:dialback');
    const alice = await online(a, 'alice');
    const received = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'by certificate', 10_000);
    peer.send(`<message from='bob@b.test/raw' to='alice@a.test/test' type='chat'><body>by certificate</body></message>`);
    expect((await received).attrs.from).toBe('bob@b.test/raw');
    // The same checks as after dialback (RFC 6120 §4.9.3.10): a from b.test's certificate does not cover.
    peer.send(`<message from='mallory@evil.test' to='alice@a.test'><body>spoofed</body></message>`);
    expect(await peer.waitFor(/<\/stream:stream>/)).toContain('<invalid-from xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  });

  test('no client certificate: TLS still works, dialback is offered, EXTERNAL is not', async () => {
    const peer = await tlsPeer(ports.a, 'b.test');
    expect(peer.features()).not.toContain('EXTERNAL');
    expect(peer.features()).toContain('urn:xmpp:features:dialback');
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

/** A raw s2s stream claiming `from`, STARTTLS with `certificate` as the client certificate (or none), up to the features after TLS. */
async function tlsPeer(port: number, from: string, certificate?: { certFile: string; keyFile: string }) {
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
  const pair = certificate ? { cert: await readFile(certificate.certFile), key: await readFile(certificate.keyFile) } : {};
  const secure = tlsConnect({ socket, ...pair, servername: 'a.test', rejectUnauthorized: false });
  raw.push(secure);
  secure.on('error', () => {});
  secure.setEncoding('utf8');
  secure.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
  secure.write(header);
  await waitFor(/<\/stream:features>/);
  const features = /<stream:features>.*<\/stream:features>/s.exec(text)![0];
  const restart = () => {
    text = '';
    secure.write(header);
  };
  return { send: (data: string) => secure.write(data), waitFor, text: () => text, features: () => features, restart };
}

/**
 * picky.test: STARTTLS with a certificate from the test CA, then offers EXTERNAL and refuses it
 * (not-authorized), and takes any dialback key (type='valid') on the same stream.
 */
function pickyServer(socket: Socket, tls: { cert: Buffer; key: Buffer }): void {
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' id='picky-%ID%' from='picky.test' version='1.0'>`;
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let plain = '';
  const onPlain = (chunk: string) => {
    plain += chunk;
    if (plain.includes('<stream:stream') && !plain.includes('<!sent>')) {
      plain += '<!sent>';
      socket.write(header.replace('%ID%', '1') + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`);
    }
    if (!plain.includes('<starttls')) return;
    socket.off('data', onPlain);
    socket.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`, () => {
      const secure = new TLSSocket(socket, { isServer: true, ...tls });
      secure.on('error', () => {});
      secure.setEncoding('utf8');
      let buffer = '';
      secure.on('data', (data: string) => {
        pickyReceived += data;
        buffer += data;
        if (buffer.includes('<stream:stream')) {
          buffer = buffer.replace(/<\?xml[^>]*\?>/, '').replace(/<stream:stream[^>]*>/, '');
          secure.write(header.replace('%ID%', '2') + `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>`);
        }
        if (/<auth[^>]*>[^<]*<\/auth>/.test(buffer)) {
          buffer = buffer.replace(/<auth[^>]*>[^<]*<\/auth>/, '');
          secure.write(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>`);
        }
        if (/<db:result[^>]*>[^<]*<\/db:result>/.test(buffer)) {
          buffer = buffer.replace(/<db:result[^>]*>[^<]*<\/db:result>/, '');
          secure.write(`<db:result from='picky.test' to='a.test' type='valid'/>`);
        }
      });
    });
  };
  socket.on('data', onPlain);
}
