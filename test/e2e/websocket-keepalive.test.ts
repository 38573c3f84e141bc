// Idle web clients. WebSocket keepalive (http.websocketIdleSeconds): uWS pings a silent client;
// one that answers the pings stays connected, one that does not is dropped and its XMPP session
// ends. A WebSocket or BOSH client that never authenticates is cut off after c2s.authTimeoutSeconds.
import { loginWebSocket, openElement, openWebSocket, RawBosh } from '../support/web-clients.js';
import { loginRaw, type RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const IDLE = 8; // seconds; uWS accepts multiples of 4 from 8 on
const AUTH_TIMEOUT = 2;

let server: TestServer;
let tcp: RawClient | undefined;

beforeAll(async () => {
  server = await startTestServer({ http: { websocketIdleSeconds: IDLE }, c2s: { authTimeoutSeconds: AUTH_TIMEOUT } });
  for (const u of ['ida', 'pat', 'tcp']) await server.addUser(u, `${u}-pw`);
});

afterAll(async () => {
  tcp?.socket.destroy();
  await server.stop();
});

test('a silent client is pinged and stays while it answers; one that does not answer is dropped and its session ends', async () => {
  const url = `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
  const [alive, dead] = await Promise.all([
    loginWebSocket(url, server.domain, 'ida', 'ida-pw', 'alive'),
    loginWebSocket(url, server.domain, 'pat', 'pat-pw', 'dead', { answerPings: false }),
  ]);
  let deadClosedAt = 0;
  void dead.closed.then(() => { deadClosedAt = Date.now(); });
  const started = Date.now();
  // Neither sends anything from now on. uWS pings after IDLE s and drops after another IDLE s of silence.
  await new Promise((r) => setTimeout(r, (2 * IDLE + 6) * 1000));
  expect(alive.pings()).toBeGreaterThanOrEqual(1);
  expect(alive.socket.readyState).toBe(1); // OPEN
  expect(dead.pings()).toBeGreaterThanOrEqual(1);
  expect(deadClosedAt).toBeGreaterThan(0);
  expect(deadClosedAt - started).toBeGreaterThanOrEqual((IDLE - 4) * 1000);

  // The dropped client's session is gone: an IQ to its full JID bounces; the live one still gets its IQs.
  tcp = await loginRaw(server.c2sPort, server.domain, 'tcp', 'tcp-pw', 'probe');
  tcp.send(`<iq type='get' id='p-dead' to='pat@${server.domain}/dead'><ping xmlns='urn:xmpp:ping'/></iq>`);
  expect(await tcp.waitFor(/<iq[^>]*id=["']p-dead["'][^>]*>[\s\S]*?<\/iq>/)).toContain('service-unavailable');
  tcp.send(`<iq type='get' id='p-alive' to='ida@${server.domain}/alive'><ping xmlns='urn:xmpp:ping'/></iq>`);
  expect(await alive.waitFor(/id=["']p-alive["']/)).toContain('urn:xmpp:ping');
  alive.socket.close();
}, 60_000);

test('a WebSocket client that opens a stream and never authenticates gets connection-timeout', async () => {
  const ws = await openWebSocket(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
  ws.send(openElement(server.domain));
  await ws.waitFor(/<stream:features/);
  const error = await ws.waitFor(/<stream:error/, (AUTH_TIMEOUT + 3) * 1000);
  expect(error).toContain('<connection-timeout');
  await ws.waitFor(/^<close /);
  await ws.closed;
});

test('a BOSH session that never authenticates ends with connection-timeout inside remote-stream-error', async () => {
  const bosh = new RawBosh(`http://127.0.0.1:${server.httpPort}/http-bind`);
  const created = await bosh.post(bosh.body(500, ` to='${server.domain}' wait='10' hold='1' ver='1.6' xmpp:version='1.0'`));
  bosh.sid = /\ssid='([^']+)'/.exec(created.text)![1]!;
  const held = await bosh.post(bosh.body(501)); // answered when the timeout strikes, not after wait
  expect(held.text).toContain("condition='remote-stream-error'");
  expect(held.text).toContain('<connection-timeout');
  expect((await bosh.post(bosh.body(502))).text).toContain("condition='item-not-found'");
});
