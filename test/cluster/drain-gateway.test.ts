// Draining one node (an all-in-one, as a gateway drains): POST /admin/api/drain turns /readyz to
// 503, closes the client port to new connections and sends the connected clients elsewhere with
// an RFC 6120 <see-other-host> stream error naming c2s.seeOtherHost; a stop afterwards finishes.
import { connect } from 'node:net';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/free-port.js';
import { loginRaw } from '../support/raw-client.js';

const TOKEN = 'drain-test-token-0123456789';
let server: TestServer;
let adminPort: number;

beforeAll(async () => {
  adminPort = await freePort();
  server = await startTestServer({ admin: { host: '127.0.0.1', port: adminPort, token: TOKEN }, c2s: { seeOtherHost: 'gateway-2.example.org:5222' } });
  await server.addUser('ana', 'ana-pw');
});

afterAll(async () => {
  await server?.stop();
});

test('a drained gateway is unready, refuses new clients and sends its clients to the other host', async () => {
  const ana = await loginRaw(server.c2sPort, server.domain, 'ana', 'ana-pw');
  expect((await fetch(`http://127.0.0.1:${server.httpPort}/readyz`)).status).toBe(200);

  const res = await fetch(`http://127.0.0.1:${adminPort}/admin/api/drain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(202);

  const error = await ana.waitFor(/<stream:error>[\s\S]*?<\/stream:error>/);
  expect(error).toMatch(/<see-other-host xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']>gateway-2\.example\.org:5222<\/see-other-host>/);
  expect(error).not.toContain('<text');
  await ana.closed;

  const readyz = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
  expect(readyz.status).toBe(503);
  expect(await readyz.text()).toBe('draining\n');
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect({ port: server.c2sPort, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
  expect(refused).toBe(true);
});
