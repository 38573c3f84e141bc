// The HTTP port over TLS (uWS SSLApp, http.tls) and the RFC 7395 §3.6.1 redirect (http.seeOtherUri).
import { FRAMING, openElement, openWebSocket } from '../support/web-clients.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('wss:// and https:// (http.tls)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // allowPlainFromLoopback off: PLAIN must come from the TLS, not from being on loopback.
    server = await startTestServer({ http: { tls: true }, c2s: { allowPlainFromLoopback: false } });
    await server.addUser('sue', 'sue-pw');
  });
  afterAll(async () => {
    await server.stop();
  });

  test('a wss:// client gets PLAIN (the stream is encrypted) and logs in', async () => {
    const ws = await openWebSocket(`wss://127.0.0.1:${server.httpPort}/xmpp-websocket`);
    ws.send(openElement(server.domain));
    expect(await ws.waitFor(/^<stream:features/)).toContain('<mechanism>PLAIN</mechanism>');
    ws.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0sue\0sue-pw').toString('base64')}</auth>`);
    await ws.waitFor(/<success/);
    ws.socket.close();
  });

  test('host-meta over https announces wss:// and https:// URLs', async () => {
    // fetch (undici) cannot be told to accept the self-signed certificate; node:https can.
    const text = await httpsGet(server.httpPort, '/.well-known/host-meta.json');
    expect(text).toContain(`wss://127.0.0.1:${server.httpPort}/xmpp-websocket`);
    expect(text).toContain(`https://127.0.0.1:${server.httpPort}/http-bind`);
  });
});

describe('see-other-uri (http.seeOtherUri)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ http: { seeOtherUri: 'wss://other.example/xmpp-websocket' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('<open/> is answered with <close see-other-uri/> and the WebSocket closes', async () => {
    const ws = await openWebSocket(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`);
    ws.send(openElement(server.domain));
    const close = await ws.waitFor(/^<close /);
    expect(close).toBe(`<close xmlns='${FRAMING}' see-other-uri='wss://other.example/xmpp-websocket'/>`);
    await ws.closed;
  });
});

async function httpsGet(port: number, path: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
