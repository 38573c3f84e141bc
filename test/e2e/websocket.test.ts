// XMPP over WebSocket (RFC 7395) on the HTTP port: @xmpp/client over ws://, raw framing, bad
// input, and the HTTP side (host-meta, CORS, health) of the same uWS app.
import { client, xml } from '@xmpp/client';
import { FRAMING, loginWebSocket, openElement, openWebSocket } from '../support/web-clients.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
let http: string;
let wsUrl: string;
const clients: XmppClient[] = [];

beforeAll(async () => {
  // Archiving off: the slow-reader flood below would otherwise be written to the archive too, which
  // under a busy test run takes longer than the test (bad-input.test.ts does the same).
  server = await startTestServer({ c2s: { maxStanzaBytes: 10_000 }, archive: { enabled: false } });
  http = `http://127.0.0.1:${server.httpPort}`;
  wsUrl = `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
  for (const u of ['wanda', 'tom', 'vic']) await server.addUser(u, `${u}-pw`);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});

afterAll(async () => {
  await server.stop();
});

function connect(username: string, service: string, mechanism?: string): XmppClient {
  const xmpp = client({
    service,
    domain: server.domain,
    resource: 'web',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>, mechanisms: string[]) => {
      await authenticate({ username, password: `${username}-pw` }, mechanism ?? mechanisms[0]!);
    },
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  return xmpp;
}


describe('WebSocket (RFC 7395) with @xmpp/client', () => {
  test.each(['PLAIN', 'SCRAM-SHA-1'])('logs in over ws:// with %s', async (mechanism) => {
    const xmpp = connect('wanda', wsUrl, mechanism);
    const address = await xmpp.start();
    expect(address.toString()).toBe(`wanda@${server.domain}/web`);
  });

  test('a WebSocket user and a TCP user exchange messages', async () => {
    const wanda = connect('wanda', wsUrl);
    const tom = connect('tom', `xmpp://127.0.0.1:${server.c2sPort}`);
    await Promise.all([wanda.start(), tom.start()]);
    // Each waits for its own presence to come back, so both are available before the messages.
    const echoes = [nextStanza(wanda, (el) => el.is('presence')), nextStanza(tom, (el) => el.is('presence'))];
    await Promise.all([wanda.send(xml('presence')), tom.send(xml('presence'))]);
    await Promise.all(echoes);
    const atTom = nextStanza(tom, (el) => el.is('message') && el.getChildText('body') === 'from the web');
    await wanda.send(xml('message', { to: `tom@${server.domain}`, type: 'chat' }, xml('body', {}, 'from the web')));
    expect((await atTom).attrs.from).toBe(`wanda@${server.domain}/web`);
    const atWanda = nextStanza(wanda, (el) => el.is('message') && el.getChildText('body') === 'from tcp');
    await tom.send(xml('message', { to: `wanda@${server.domain}/web`, type: 'chat' }, xml('body', {}, 'from tcp')));
    await atWanda;
    const pong = await wanda.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pong.attrs.type).toBe('result');
  });
});

describe('WebSocket framing', () => {
  test('the upgrade is refused without the xmpp subprotocol', async () => {
    await expect(openWebSocket(wsUrl, ['chat'])).rejects.toThrow(/400/);
  });

  test('<open/> is answered with <open/> and features that declare the stream prefix', async () => {
    const ws = await openWebSocket(wsUrl);
    ws.send(openElement(server.domain));
    const open = await ws.waitFor(/^<open /);
    expect(open).toContain(`xmlns='${FRAMING}'`);
    expect(open).toMatch(/version='1.0'/);
    const features = await ws.waitFor(/^<stream:features/);
    expect(features).toMatch(/xmlns:stream=["']http:\/\/etherx.jabber.org\/streams["']/);
    expect(features).toContain('<mechanism>PLAIN</mechanism>');
    expect(features).not.toContain('starttls');
    ws.send(`<close xmlns='${FRAMING}'/>`);
    await ws.waitFor(/^<close /);
    await ws.closed;
  });

  test('stanzas arrive one per message, qualified by jabber:client', async () => {
    const vic = await loginWebSocket(wsUrl, server.domain, 'vic', 'vic-pw', 'a');
    const wanda = await loginWebSocket(wsUrl, server.domain, 'wanda', 'wanda-pw', 'raw');
    wanda.send(`<message xmlns='jabber:client' to='vic@${server.domain}/a' type='chat'><body>one</body></message>`);
    wanda.send(`<message xmlns='jabber:client' to='vic@${server.domain}/a' type='chat'><body>two</body></message>`);
    await vic.waitFor(/two/);
    const got = vic.messages.filter((m) => m.startsWith('<message'));
    expect(got).toHaveLength(2);
    for (const m of got) expect(m).toMatch(/^<message xmlns='jabber:client'/);
    vic.socket.close();
    wanda.socket.close();
  });

  test('unknown host gets host-unknown, then <close/>', async () => {
    const ws = await openWebSocket(wsUrl);
    ws.send(openElement('elsewhere.example'));
    const error = await ws.waitFor(/<stream:error/);
    expect(error).toContain('<host-unknown');
    expect(error).toContain("xmlns:stream='http://etherx.jabber.org/streams'");
    await ws.waitFor(/^<close /);
    await ws.closed;
  });
});

describe('WebSocket bad input', () => {
  async function streamErrorFor(payload: string): Promise<string> {
    const ws = await loginWebSocket(wsUrl, server.domain, 'tom', 'tom-pw', `r${Math.random()}`);
    ws.send(payload);
    const error = await ws.waitFor(/<stream:error/);
    await ws.waitFor(/^<close /);
    await ws.closed;
    return error;
  }

  test('malformed XML gets not-well-formed', async () => {
    expect(await streamErrorFor('<message><body>oops</message>')).toContain('<not-well-formed');
  });

  test('a message that is not a complete element gets not-well-formed', async () => {
    expect(await streamErrorFor("<message to='vic@localhost'><body>half")).toContain('<not-well-formed');
  });

  test('an oversize stanza gets policy-violation', async () => {
    expect(await streamErrorFor(`<message xmlns='jabber:client' to='vic@${server.domain}'><body>${'x'.repeat(10_500)}</body></message>`)).toContain('<policy-violation');
  });

  test('a frame far over the limit closes the WebSocket (uWS maxPayloadLength)', async () => {
    const ws = await loginWebSocket(wsUrl, server.domain, 'tom', 'tom-pw', 'huge');
    ws.send(`<message><body>${'x'.repeat(100_000)}</body></message>`);
    const { code } = await ws.closed;
    expect(code).not.toBe(1000);
  });

  test('a WebSocket client that stops reading is cut off (getBufferedAmount over the limit)', async () => {
    const slow = await loginWebSocket(wsUrl, server.domain, 'vic', 'vic-pw', 'slow');
    slow.send("<presence xmlns='jabber:client'/>");
    slow.socket._socket.pause(); // stops reading: kernel buffers fill, then uWS's
    const { loginRaw } = await import('../support/raw-client.js');
    const flooder = await loginRaw(server.c2sPort, server.domain, 'tom', 'tom-pw', 'flood');
    const body = 'y'.repeat(8000);
    for (let i = 0; i < 3000; i++) {
      if (!flooder.socket.write(`<message to='vic@${server.domain}/slow' type='chat'><body>${body}</body></message>`)) {
        await new Promise((r) => flooder.socket.once('drain', r));
      }
    }
    slow.socket._socket.resume();
    const { code } = await slow.closed;
    expect(code).not.toBe(1000);
    flooder.socket.destroy();
  }, 150_000); // as the TCP flood in bad-input.test.ts

  test('a DTD is refused with restricted-xml', async () => {
    expect(await streamErrorFor('<!DOCTYPE x [<!ENTITY a "b">]><message/>')).toContain('<restricted-xml');
  });
});

describe('the HTTP side of the uWS app', () => {
  test('host-meta (XRD) and host-meta.json (XEP-0156) list the WebSocket and BOSH URLs', async () => {
    const xrd = await fetch(`${http}/.well-known/host-meta`);
    expect(xrd.status).toBe(200);
    expect(xrd.headers.get('access-control-allow-origin')).toBe('*');
    const text = await xrd.text();
    expect(text).toContain(`<Link rel='urn:xmpp:alt-connections:websocket' href='ws://127.0.0.1:${server.httpPort}/xmpp-websocket'/>`);
    expect(text).toContain(`<Link rel='urn:xmpp:alt-connections:xbosh' href='http://127.0.0.1:${server.httpPort}/http-bind'/>`);
    const json = (await (await fetch(`${http}/.well-known/host-meta.json`)).json()) as { links: unknown[] };
    expect(json.links).toEqual([
      { rel: 'urn:xmpp:alt-connections:websocket', href: `ws://127.0.0.1:${server.httpPort}/xmpp-websocket` },
      { rel: 'urn:xmpp:alt-connections:xbosh', href: `http://127.0.0.1:${server.httpPort}/http-bind` },
    ]);
  });

  test('CORS preflight is answered for the BOSH URL', async () => {
    const res = await fetch(`${http}/http-bind`, { method: 'OPTIONS', headers: { Origin: 'https://web.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  test('/healthz, /readyz and /metrics are served by the same app', async () => {
    expect(await (await fetch(`${http}/healthz`)).text()).toBe('ok\n');
    expect((await fetch(`${http}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${http}/metrics`)).text()).toContain('pampero_');
    expect((await fetch(`${http}/nothing-here`)).status).toBe(404);
  });
});
