// XEP-0388 SASL2, XEP-0386 Bind 2 and XEP-0484 FAST end to end with @xmpp/client (0.14 speaks
// all three), over STARTTLS and WebSocket, plus a raw socket for what the library does not ask.
import { client, xml } from '@xmpp/client';
import { connect as tcpConnect, type Socket } from 'node:net';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';
import { RawBosh } from '../support/web-clients.js'; // also sets the global WebSocket @xmpp/websocket needs (Node 20)

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the self-signed certificate of the test server

type XmppClient = ReturnType<typeof client>;
interface FastToken { mechanism: string; token: string; expiry: string }
let server: TestServer;
const clients: XmppClient[] = [];
const sockets: Socket[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startTestServer({ sasl2: { enabled: true } });
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});

afterAll(async () => {
  await server.stop();
});

interface Options { ws?: boolean; resource?: string; userAgentId?: string; token?: FastToken }

/** A client with its top-level traffic recorded (`sent`, `received`: the elements in order). */
function connect(username: string, options: Options = {}) {
  const xmpp = client({
    service: options.ws ? `ws://127.0.0.1:${server.httpPort}/xmpp-websocket` : `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: options.resource ?? 'pampero-test',
    username,
    password: `${username}-pw`,
    userAgent: xml('user-agent', { id: options.userAgentId ?? `ua-${Math.random()}` }, xml('software', {}, 'jest')),
  });
  xmpp.on('error', () => {});
  const saved: FastToken[] = [];
  xmpp.fast.saveToken = async (t: FastToken) => void saved.push(t);
  xmpp.fast.fetchToken = async () => options.token;
  const sent: any[] = [];
  const received: any[] = [];
  xmpp.on('send', (el: any) => sent.push(el));
  xmpp.on('element', (el: any) => received.push(el));
  clients.push(xmpp);
  return { xmpp, sent, received, saved };
}

async function loginCount(mechanism: string, failure?: string): Promise<number> {
  const name = failure ? 'pampero_c2s_login_failures_total' : 'pampero_c2s_logins_total';
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return metric.values.find((v) => v.labels.mechanism === mechanism && (!failure || v.labels.condition === failure))?.value ?? 0;
}

describe('SASL2 with Bind 2', () => {
  test.each([
    ['STARTTLS', false],
    ['WebSocket', true],
  ] as const)('logs in over %s with SASL2 and Bind 2 (tag/… resource), and two users exchange messages', async (_transport, ws) => {
    const alice = connect('alice', { ws });
    const bob = connect('bob', { ws });
    const [aliceJid, bobJid] = await Promise.all([alice.xmpp.start(), bob.xmpp.start()]);
    expect(alice.sent.find((el) => el.is('authenticate', 'urn:xmpp:sasl:2'))?.getChild('bind', 'urn:xmpp:bind:0')).toBeDefined();
    expect(alice.sent.some((el) => el.is('auth', 'urn:ietf:params:xml:ns:xmpp-sasl'))).toBe(false);
    const success = alice.received.find((el) => el.is('success', 'urn:xmpp:sasl:2'));
    expect(success.getChildText('authorization-identifier')).toBe(aliceJid.toString());
    expect(success.getChild('bound', 'urn:xmpp:bind:0')).toBeDefined();
    expect(aliceJid.toString()).toMatch(new RegExp(`^alice@${server.domain}/pampero-test/[A-Za-z0-9_-]+$`));
    expect(alice.xmpp.isSecure()).toBe(true); // STARTTLS was done first (ws:// on loopback counts as secure)

    await Promise.all([alice.xmpp.send(xml('presence')), bob.xmpp.send(xml('presence'))]);
    const received = nextStanza(bob.xmpp, (el) => el.is('message') && el.getChildText('body') === `hello ${ws}`, 15_000);
    await alice.xmpp.send(xml('message', { to: bobJid.toString(), type: 'chat' }, xml('body', {}, `hello ${ws}`)));
    expect((await received).attrs.from).toBe(aliceJid.toString());
  }, 40_000);

  test('the same user-agent id gets the same resource again, another one a different resource', async () => {
    const first = connect('alice', { userAgentId: 'laptop-1' });
    const jid1 = (await first.xmpp.start()).toString();
    await first.xmpp.stop();
    const again = connect('alice', { userAgentId: 'laptop-1' });
    const other = connect('alice', { userAgentId: 'phone-1' });
    const [jid2, jid3] = await Promise.all([again.xmpp.start(), other.xmpp.start()]);
    expect(jid2.toString()).toBe(jid1);
    expect(jid3.toString()).not.toBe(jid1);
    expect(jid1).not.toContain('laptop-1'); // XEP-0386 §3.2.1: the id itself is never shown
  });

  test('XEP-0198 is enabled inline: <enabled/> comes inside <bound/>, with the archive metadata', async () => {
    const alice = connect('alice');
    await alice.xmpp.start();
    const bind = alice.sent.find((el) => el.is('authenticate'))!.getChild('bind', 'urn:xmpp:bind:0');
    expect(bind.getChild('enable', 'urn:xmpp:sm:3')).toBeDefined();
    const bound = alice.received.find((el) => el.is('success'))!.getChild('bound', 'urn:xmpp:bind:0');
    expect(bound.getChild('enabled', 'urn:xmpp:sm:3')?.attrs.resume).toBe('true');
    expect(bound.getChild('metadata', 'urn:xmpp:mam:2')?.getChild('end')?.attrs.id).toMatch(/^[0-9a-f]{16}$/); // XEP-0313 archive state at bind time
    expect(alice.xmpp.streamManagement.enabled).toBe(true);
  });
});

describe('FAST (XEP-0484)', () => {
  test('the first login obtains a token; the next one uses HT-SHA-256-NONE in one round trip', async () => {
    const first = connect('alice', { userAgentId: 'fast-device' });
    await first.xmpp.start();
    expect(first.sent.find((el) => el.is('authenticate'))!.getChild('request-token', 'urn:xmpp:fast:0')?.attrs.mechanism).toBe('HT-SHA-256-NONE');
    expect(first.saved).toHaveLength(1);
    const token = first.saved[0]!;
    expect(new Date(token.expiry).getTime()).toBeGreaterThan(Date.now() + 20 * 86_400_000);
    await first.xmpp.stop();

    const before = await loginCount('HT-SHA-256-NONE');
    const second = connect('alice', { userAgentId: 'fast-device', token });
    const jid = await second.xmpp.start();
    expect(await loginCount('HT-SHA-256-NONE')).toBe(before + 1);
    const authenticate = second.sent.find((el) => el.is('authenticate'));
    expect(authenticate.attrs.mechanism).toBe('HT-SHA-256-NONE');
    expect(authenticate.getChild('fast', 'urn:xmpp:fast:0')).toBeDefined();
    // One round trip: <authenticate/> is answered by <success/>, no challenge in between.
    const sasl2 = second.received.filter((el) => el.getNS() === 'urn:xmpp:sasl:2');
    expect(sasl2.map((el) => el.name)).toEqual(['success']);
    expect(sasl2[0].getChild('additional-data')).toBeDefined(); // the Responder hash, checked by the client
    expect(second.sent.filter((el) => el.getNS() === 'urn:xmpp:sasl:2').map((el) => el.name)).toEqual(['authenticate']);
    expect(jid.toString()).toMatch(/^alice@/);
  });

  test('a wrong token fails with not-authorized, and the client falls back to its password', async () => {
    const bogus: FastToken = { mechanism: 'HT-SHA-256-NONE', token: 'not-a-token', expiry: new Date(Date.now() + 86_400_000).toISOString() };
    const before = await loginCount('HT-SHA-256-NONE', 'not-authorized');
    const alice = connect('alice', { userAgentId: 'fast-bogus', token: bogus });
    await alice.xmpp.start();
    const failure = alice.received.find((el) => el.is('failure', 'urn:xmpp:sasl:2'));
    expect(failure.getChild('not-authorized', 'urn:ietf:params:xml:ns:xmpp-sasl')).toBeDefined();
    expect(await loginCount('HT-SHA-256-NONE', 'not-authorized')).toBe(before + 1);
    const attempts = alice.sent.filter((el) => el.is('authenticate')).map((el) => el.attrs.mechanism);
    expect(attempts[0]).toBe('HT-SHA-256-NONE');
    expect(attempts[1]).not.toBe('HT-SHA-256-NONE');
    expect(alice.saved).toHaveLength(1); // the fallback asked for a new token
  });

  test("a token used with <fast invalidate='true'/> is void afterwards", async () => {
    const first = connect('bob', { userAgentId: 'raw-device' });
    await first.xmpp.start();
    const token = first.saved[0]!.token;
    await first.xmpp.stop();
    const hash = await hmac(token, 'Initiator');
    const auth = (invalidate: boolean) =>
      `<authenticate xmlns='urn:xmpp:sasl:2' mechanism='HT-SHA-256-NONE'><initial-response>${Buffer.concat([Buffer.from('bob\0'), hash]).toString('base64')}</initial-response>` +
      `<user-agent id='raw-device'/><fast xmlns='urn:xmpp:fast:0'${invalidate ? " invalidate='true'" : ''}/></authenticate>`;
    const once = await rawAuthenticate(auth(true));
    expect(once).toMatch(/<success xmlns=["']urn:xmpp:sasl:2["']>.*<authorization-identifier>bob@localhost<\/authorization-identifier>/);
    expect(once).not.toMatch(/<token /);
    const twice = await rawAuthenticate(auth(false));
    expect(twice).toMatch(/<failure xmlns=["']urn:xmpp:sasl:2["']><not-authorized xmlns=["']urn:ietf:params:xml:ns:xmpp-sasl["']\/>/);
  });

  test('a client whose socket dies comes back with FAST and resumes its session inline, getting every message once', async () => {
    const alice = connect('alice', { userAgentId: 'mobile-1' });
    const seen: string[] = [];
    alice.xmpp.on('stanza', (el: any) => {
      const body = el.is('message') ? el.getChildText('body') : null;
      if (body?.startsWith('r-')) seen.push(body);
    });
    const jid = (await alice.xmpp.start()).toString();
    await alice.xmpp.send(xml('presence'));
    const sm = alice.xmpp.streamManagement;
    expect(sm.enabled).toBe(true);
    alice.xmpp.fast.fetchToken = async () => alice.saved.at(-1);
    const bob = connect('bob');
    await bob.xmpp.start();
    await bob.xmpp.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'r-1')));
    await nextStanza(alice.xmpp, (el) => el.getChildText?.('body') === 'r-1');

    const resumed = new Promise<void>((resolve) => sm.once('resumed', resolve));
    alice.xmpp.reconnect.delay = 300;
    const fastBefore = await loginCount('HT-SHA-256-NONE');
    alice.sent.length = 0;
    alice.xmpp.socket.socket.destroy(); // no </stream>: the session hibernates
    await bob.xmpp.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'r-2')));
    await resumed;
    const authenticate = alice.sent.find((el) => el.is('authenticate'));
    expect(authenticate.attrs.mechanism).toBe('HT-SHA-256-NONE');
    expect(authenticate.getChild('resume', 'urn:xmpp:sm:3')).toBeDefined();
    expect(await loginCount('HT-SHA-256-NONE')).toBe(fastBefore + 1);
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await sleep(50);
    await sleep(200);
    expect(seen).toEqual(['r-1', 'r-2']);
  }, 30_000);
});

describe('inline session features and other transports', () => {
  const plain = (user: string) => Buffer.from(`\0${user}\0${user}-pw`).toString('base64');

  test('carbons enabled inside Bind 2 bring copies of messages to another resource', async () => {
    const stream = await rawStream();
    const start = stream.text().length;
    stream.socket.write(`<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>${plain('alice')}</initial-response>` +
      `<bind xmlns='urn:xmpp:bind:0'><tag>raw</tag><enable xmlns='urn:xmpp:carbons:2'/></bind></authenticate>`);
    const text = (await stream.waitFor(/<\/success>[\s\S]*<\/stream:features>/)).slice(start);
    expect(text).toMatch(/<authorization-identifier>alice@localhost\/raw\/[^<]+<\/authorization-identifier><bound xmlns='urn:xmpp:bind:0'><metadata xmlns=["']urn:xmpp:mam:2["']/);
    expect(text).not.toMatch(/urn:ietf:params:xml:ns:xmpp-bind/); // bound: no RFC 6120 <bind/> offered after it
    const phone = connect('alice', { resource: 'phone' });
    const bob = connect('bob');
    const [phoneJid] = await Promise.all([phone.xmpp.start(), bob.xmpp.start()]);
    await bob.xmpp.send(xml('message', { to: phoneJid.toString(), type: 'chat' }, xml('body', {}, 'carbon me')));
    await stream.waitFor(/<received xmlns=["']urn:xmpp:carbons:2["']>[\s\S]*carbon me/);
  });

  test('over BOSH: SASL2 and Bind 2 without XEP-0198 (BOSH has its own acks)', async () => {
    const bosh = new RawBosh(`http://127.0.0.1:${server.httpPort}/http-bind`);
    let rid = 5000;
    const created = await bosh.post(bosh.body(rid++, ` to='${server.domain}' xml:lang='en' ver='1.6' xmpp:version='1.0' wait='2' hold='1'`));
    bosh.sid = /sid=["']([^"']+)["']/.exec(created.text)![1]!;
    expect(created.text).toMatch(/<authentication xmlns=["']urn:xmpp:sasl:2["']>/);
    expect(created.text).not.toMatch(/urn:xmpp:sm:3/);
    const auth = `<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>${plain('bob')}</initial-response>` +
      `<user-agent id='bosh-ua'/><bind xmlns='urn:xmpp:bind:0'><tag>web</tag></bind></authenticate>`;
    let text = (await bosh.post(bosh.body(rid++, '', auth))).text;
    if (!/<\/success>/.test(text)) text += (await bosh.post(bosh.body(rid++))).text;
    expect(text).toMatch(/<authorization-identifier>bob@localhost\/web\/[^<]+<\/authorization-identifier><bound xmlns=["']urn:xmpp:bind:0["']/);
    const jid = /<authorization-identifier>([^<]+)</.exec(text)![1]!;
    const ping = `<iq xmlns='jabber:client' type='get' id='p1' to='${server.domain}'><ping xmlns='urn:xmpp:ping'/></iq>`;
    let pong = (await bosh.post(bosh.body(rid++, '', ping))).text;
    if (!/id=["']p1["']/.test(pong)) pong += (await bosh.post(bosh.body(rid++))).text;
    expect(pong).toMatch(new RegExp(`<iq[^>]*to=["']${jid.replace(/[/.]/g, '\\$&')}["'][^>]*type=["']result["']|<iq[^>]*type=["']result["'][^>]*to=["']${jid.replace(/[/.]/g, '\\$&')}["']`));
  });
});

describe('stream features', () => {
  test('SASL2 is offered with the legacy mechanisms, Bind 2, FAST and XEP-0198 inline', async () => {
    const features = (await rawFeatures()).replace(/"/g, "'");
    expect(features).toMatch(/<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256<\/mechanism><mechanism>SCRAM-SHA-1<\/mechanism><mechanism>PLAIN<\/mechanism><inline>/);
    expect(features).toMatch(/<bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:xmpp:carbons:2'\/><feature var='urn:xmpp:csi:0'\/><feature var='urn:xmpp:sm:3'\/><\/inline><\/bind>/);
    expect(features).toMatch(/<fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-NONE<\/mechanism><\/fast><sm xmlns='urn:xmpp:sm:3'\/>/);
  });
});

async function hmac(key: string, data: string): Promise<Buffer> {
  const { createHmac } = await import('node:crypto');
  return createHmac('sha256', key).update(data).digest();
}

/** A plain (loopback) stream: header, then the features. */
function rawStream(): Promise<{ socket: Socket; text: () => string; waitFor: (re: RegExp) => Promise<string> }> {
  const socket = tcpConnect(server.c2sPort, '127.0.0.1');
  sockets.push(socket);
  let buffer = '';
  socket.on('data', (d) => (buffer += d.toString()));
  socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${server.domain}' version='1.0'>`);
  const waitFor = async (re: RegExp) => {
    const deadline = Date.now() + 5000;
    while (!re.test(buffer)) {
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${re}: ${buffer}`);
      await sleep(20);
    }
    return buffer;
  };
  return waitFor(/<\/stream:features>/).then(() => ({ socket, text: () => buffer, waitFor }));
}

async function rawFeatures(): Promise<string> {
  return (await rawStream()).text();
}

async function rawAuthenticate(authenticate: string): Promise<string> {
  const stream = await rawStream();
  const start = stream.text().length;
  stream.socket.write(authenticate);
  const text = await stream.waitFor(/<(success|failure) xmlns=["']urn:xmpp:sasl:2["']>[\s\S]*<\/(success|failure)>/);
  return text.slice(start);
}
