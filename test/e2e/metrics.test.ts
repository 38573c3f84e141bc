// /metrics, /healthz and /readyz of the all-in-one (docs/metrics.md), the drop counters of two
// bulkheads (a component link's bounded queue, a client's bounded output buffer) moving when
// stanzas are dropped, and health snapshots written every second to the embedded store and read
// back through the admin API; a fleet node's /readyz and snapshots while its Redis is away. (Drain
// and the roster-component dependency of /readyz: test/e2e/admin-api.test.ts.)
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/free-port.js';
import { loginRaw, openRaw } from '../support/raw-client.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';

const TOKEN = 'metrics-test-token-0123456789';
let server: TestServer;
let adminPort: number;
beforeAll(async () => {
  adminPort = await freePort();
  server = await startTestServer({
    components: { maxQueuedStanzas: 50 },
    c2s: { maxWriteBufferBytes: 64 * 1024 },
    archive: { enabled: false },
    healthSnapshots: { intervalSeconds: 1 },
    admin: { host: '127.0.0.1', port: adminPort, token: TOKEN },
  });
  for (const u of ['mia', 'nat', 'oli']) await server.addUser(u, `${u}-pw`);
  await server.addComponent(`stuck.${server.domain}`, 'stuck-secret');
});
afterAll(async () => {
  await server.stop();
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`);
  return { status: res.status, body: await res.text() };
};
/** Sum of a metric's samples whose line contains `filter` (e.g. a label). */
async function sample(name: string, filter = ''): Promise<number> {
  const { body } = await get('/metrics');
  return body.split('\n').filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(filter)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

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
  expect(body).toMatch(/^# HELP pampero_health_snapshots_total /m);
  mia.socket.destroy();
});

test('stanzas dropped at a component link\'s full queue increment pampero_component_queue_refusals_total', async () => {
  const domain = `stuck.${server.domain}`;
  const comp = await openRaw(server.componentPort);
  comp.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
  const id = /id=["']([^"']+)["']/.exec(await comp.waitFor(/<stream:stream[^>]*>/))![1]!;
  comp.send(`<handshake>${createHash('sha1').update(id + 'stuck-secret').digest('hex')}</handshake>`);
  await comp.waitFor(/<handshake\/>/);
  comp.socket.pause(); // the component stops reading
  const before = await sample('pampero_component_queue_refusals_total', `domain="${domain}"`);

  const nat = await loginRaw(server.c2sPort, server.domain, 'nat', 'nat-pw', 'r');
  const payload = 'z'.repeat(4000);
  for (let i = 0; i < 6000; i++) {
    if (!nat.socket.write(`<message to='${domain}' id='m${i}'><body>${payload}</body></message>`)) await new Promise((r) => nat.socket.once('drain', r));
    if (i % 500 === 0 && /resource-constraint/.test(nat.received())) break;
  }
  await nat.waitFor(/<resource-constraint/, 10_000);
  expect(await sample('pampero_component_queue_refusals_total', `domain="${domain}"`)).toBeGreaterThan(before);
  expect(await sample('pampero_router_stanza_errors_total', 'condition="resource-constraint"')).toBeGreaterThan(0);
  for (const c of [comp, nat]) c.socket.destroy();
}, 60_000);

test('a client that stops reading is cut off when its output buffer is full, counted in pampero_c2s_output_overflows_total', async () => {
  const before = await sample('pampero_c2s_output_overflows_total', 'transport="tcp"');
  const oli = await loginRaw(server.c2sPort, server.domain, 'oli', 'oli-pw', 'slow');
  oli.socket.pause(); // oli stops reading
  const mia = await loginRaw(server.c2sPort, server.domain, 'mia', 'mia-pw', 'fast');
  const payload = 'y'.repeat(4000);
  for (let i = 0; i < 8000 && !oli.socket.destroyed && (await sample('pampero_c2s_output_overflows_total', 'transport="tcp"')) === before; i += 200) {
    for (let j = i; j < i + 200; j++) {
      if (!mia.socket.write(`<message to='oli@${server.domain}/slow' type='chat'><body>${payload}</body></message>`)) await new Promise((r) => mia.socket.once('drain', r));
    }
  }
  expect(await sample('pampero_c2s_output_overflows_total', 'transport="tcp"')).toBe(before + 1);
  oli.socket.resume();
  await oli.closed; // cut off
  for (const c of [oli, mia]) c.socket.destroy();
}, 60_000);

test('health snapshots of the node are written every second and read back through the admin API', async () => {
  const admin = (path: string): Promise<{ status: number; json(): Promise<any> }> => fetch(`http://127.0.0.1:${adminPort}/admin/api${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect((await fetch(`http://127.0.0.1:${adminPort}/admin/api/health-snapshots`)).status).toBe(401);
  const mia = await loginRaw(server.c2sPort, server.domain, 'mia', 'mia-pw', 'snap');
  const since = new Date().toISOString();
  const deadline = Date.now() + 10_000;
  let body: any;
  do {
    await new Promise((r) => setTimeout(r, 500));
    body = await (await admin(`/health-snapshots?since=${encodeURIComponent(since)}&limit=5`)).json();
  } while (body.snapshots.length < 2 && Date.now() < deadline);
  expect(body.writing).toBe(true);
  expect(body.snapshots.length).toBeGreaterThanOrEqual(2);
  const [latest, earlier] = body.snapshots;
  expect(Date.parse(latest.at)).toBeGreaterThan(Date.parse(earlier.at)); // newest first
  const cluster = await (await admin('/cluster')).json();
  expect(latest).toMatchObject({ node: cluster.self, role: 'all', health: 'ok', dependenciesDown: [], sessions: 1, pid: process.pid });
  expect(latest.components).toContain(`roster.${server.domain}`);
  expect(latest.rssBytes).toBeGreaterThan(1 << 20);
  for (const field of ['cpuPercent', 'eventLoopLagMs', 'uptimeSeconds', 'heapUsedBytes']) expect(typeof latest[field]).toBe('number');
  expect((await (await admin(`/health-snapshots?node=someone-else`)).json()).snapshots).toEqual([]);
  expect((await admin('/health-snapshots?since=yesterday')).status).toBe(400);
  expect(await sample('pampero_health_snapshots_total', 'outcome="written"')).toBeGreaterThanOrEqual(2);
  mia.socket.destroy();
}, 20_000);

// A fleet node declares its Redis as a dependency: while Redis is away /readyz says so, the node
// is degraded, and its health snapshots (in the embedded store, not in Redis) record it.
const describeWithRedis = hasRedisServer() ? describe : describe.skip;
describeWithRedis('a fleet node whose Redis goes away', () => {
  let redis: TestRedis;
  let node: TestServer;
  let nodeAdminPort: number;
  beforeAll(async () => {
    redis = await spawnRedis();
    nodeAdminPort = await freePort();
    node = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'fleet-node', heartbeatSeconds: 1 }, healthSnapshots: { intervalSeconds: 1 }, admin: { host: '127.0.0.1', port: nodeAdminPort, token: TOKEN } });
  }, 30_000);
  afterAll(async () => {
    await node?.stop();
    await redis?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${node.httpPort}/readyz`);
    return `${res.status} ${(await res.text()).trim()}`;
  };
  async function eventually(probe: () => Promise<string>, wanted: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let value = await probe();
    while (value !== wanted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      value = await probe();
    }
    return value;
  }
  const snapshots = async (since: string): Promise<Array<{ health: string; dependenciesDown: string[] }>> =>
    ((await (await fetch(`http://127.0.0.1:${nodeAdminPort}/admin/api/health-snapshots?node=fleet-node&since=${encodeURIComponent(since)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { snapshots: Array<{ health: string; dependenciesDown: string[] }> }).snapshots;

  test('/readyz answers 503 "redis down" while Redis is away, the snapshots say degraded, and all is ready again once it is back', async () => {
    expect(await readyz()).toBe('200 ready');
    const stoppedAt = new Date().toISOString();
    await redis.stop();
    expect(await eventually(readyz, '503 redis down')).toBe('503 redis down');
    expect(await eventually(async () => ((await snapshots(stoppedAt)).some((s) => s.health === 'degraded' && s.dependenciesDown.includes('redis')) ? 'seen' : 'not yet'), 'seen')).toBe('seen');

    redis = await spawnRedis(10_000, redis.port);
    expect(await eventually(readyz, '200 ready', 15_000)).toBe('200 ready');
    const backAt = new Date().toISOString();
    expect(await eventually(async () => ((await snapshots(backAt)).some((s) => s.health === 'ok') ? 'seen' : 'not yet'), 'seen')).toBe('seen');
  }, 60_000);
});
