// /metrics, /healthz and /readyz of the all-in-one (issue 10 builds on these).
import { startTestServer, type TestServer } from '../support/test-server.js';
import { loginRaw } from '../support/raw-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('mia', 'mia-pw');
});
afterAll(async () => {
  await server.stop();
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`);
  return { status: res.status, body: await res.text() };
};

test('healthz and readyz answer 200 once the roster component is attached', async () => {
  expect((await get('/healthz')).status).toBe(200);
  expect((await get('/readyz')).status).toBe(200);
});

test('metrics expose sessions, component links and routed stanzas in Prometheus format', async () => {
  const mia = await loginRaw(server.c2sPort, server.domain, 'mia', 'mia-pw', 'm');
  mia.send(`<message to='mia@${server.domain}/m' type='chat'><body>note to self</body></message>`);
  await mia.waitFor(/note to self/);
  const { status, body } = await get('/metrics');
  expect(status).toBe(200);
  expect(body).toMatch(/^pampero_router_sessions 1$/m);
  expect(body).toMatch(/^pampero_component_links\{domain="roster\.localhost"\} 1$/m);
  expect(body).toMatch(/^pampero_router_stanzas_total\{kind="message",outcome="local"\} \d+$/m);
  expect(body).toMatch(/^pampero_process_resident_memory_bytes \d+/m);
  mia.socket.destroy();
});
