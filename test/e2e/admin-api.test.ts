// The admin HTTP API (docs/admin-api.md) on a real all-in-one: every endpoint refuses a request
// without the token, and users, sessions, components and drain have real effects that an
// @xmpp/client user, an @xmpp/component component and /readyz can see. Metrics move with traffic.
import { client, xml } from '@xmpp/client';
import { component } from '@xmpp/component';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/free-port.js';
import { loginWebSocket } from '../support/web-clients.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const TOKEN = 'test-admin-token-0123456789';
let server: TestServer;
let adminPort: number;

beforeAll(async () => {
  adminPort = await freePort();
  server = await startTestServer({ admin: { host: '127.0.0.1', port: adminPort, token: TOKEN } });
  await server.addUser('ada', 'ada-pw');
});
afterAll(async () => {
  await server.stop();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const metrics = async () => (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
/** Sum of a metric's samples whose line matches `filter` (e.g. a label). */
function sample(body: string, name: string, filter = ''): number {
  return body.split('\n').filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(filter)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function user(username: string, password: string, resource: string) {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username, password, resource });
  xmpp.on('error', () => {});
  (xmpp as any).reconnect?.stop?.();
  return xmpp;
}

function startComponent(domain: string, password: string) {
  const comp = component({ service: `xmpp://127.0.0.1:${server.componentPort}`, domain, password });
  comp.on('error', () => {});
  (comp as any).reconnect?.stop?.();
  return comp;
}

// Three values a row: with fewer, jest would pass its `done` callback as `body`.
const ENDPOINTS: Array<[string, string, unknown]> = [
  ['GET', '/admin/api/users', undefined],
  ['POST', '/admin/api/users', { user: 'x', password: 'y' }],
  ['PUT', '/admin/api/users/ada/password', { password: 'z' }],
  ['DELETE', '/admin/api/users/ada', undefined],
  ['GET', '/admin/api/sessions', undefined],
  ['POST', '/admin/api/sessions/kick', { jid: 'ada@localhost' }],
  ['GET', '/admin/api/components', undefined],
  ['POST', '/admin/api/components', { domain: 'x.localhost', secret: 'secret-secret' }],
  ['PUT', '/admin/api/components/x.localhost', { secret: 'secret-secret' }],
  ['DELETE', '/admin/api/components/x.localhost', undefined],
  ['GET', '/admin/api/cluster', undefined],
  ['GET', '/admin/api/node', undefined],
  ['POST', '/admin/api/drain', undefined],
  ['GET', '/admin/api/rate-limits', undefined],
  ['PUT', '/admin/api/rate-limits', { rules: { 'logins-per-ip': { points: 1 } } }],
  ['PUT', '/admin/api/rate-limits/logins-per-ip', { points: 1 }],
  ['DELETE', '/admin/api/rate-limits', undefined],
  ['GET', '/admin/api/users/ada/suspension', undefined],
  ['PUT', '/admin/api/users/ada/suspension', { reason: 'x' }],
  ['DELETE', '/admin/api/users/ada/suspension', undefined],
  ['GET', '/admin/api/bans', undefined],
  ['POST', '/admin/api/bans', { range: '127.0.0.1', seconds: 60 }],
  ['DELETE', '/admin/api/bans?range=127.0.0.1', undefined],
  ['GET', '/admin/api/incidents', undefined],
  ['GET', '/admin/api/incidents/some-id', undefined],
  ['GET', '/admin/api/health-snapshots', undefined],
  ['GET', '/admin/api', undefined],
];

test('the list of refused requests covers every endpoint of docs/admin-api.openapi.yaml', () => {
  const spec = parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'admin-api.openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  for (const [path, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^/admin/api${path.replace(/\{[a-z]+\}/g, '[^/?]+')}(\\?.*)?$`);
    for (const method of Object.keys(operations).filter((m) => m !== 'parameters')) {
      expect([method, path, ENDPOINTS.some(([m, p]) => m === method.toUpperCase() && pattern.test(p))]).toEqual([method, path, true]);
    }
  }
});

test.each(ENDPOINTS)('%s %s without the token (or with a wrong one) is 401 and changes nothing', async (method, path, body) => {
  const missing = await call(method, path, body, null);
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect((await call(method, path, body, 'wrong-token')).status).toBe(401);
});

test('nothing changed behind the refused requests: ada still exists, x.localhost was never allowed, /readyz is ready', async () => {
  expect((await call('GET', '/admin/api/users')).body.users.map((u: any) => u.jid)).toContain('ada@localhost');
  expect((await call('GET', '/admin/api/users/ada/suspension')).status).toBe(404);
  expect((await call('GET', '/admin/api/bans')).body.bans).toEqual([]);
  expect((await call('GET', '/admin/api/rate-limits')).body.policy.rules['logins-per-ip'].points).toBe(60);
  expect((await call('GET', '/admin/api/components')).body.components.map((c: any) => c.domain)).not.toContain('x.localhost');
  expect((await fetch(`http://127.0.0.1:${server.httpPort}/readyz`)).status).toBe(200);
});

test('users: created through the API can log in (and the login counter moves), re-keyed, deleted', async () => {
  expect((await call('POST', '/admin/api/users', { user: 'bob', password: 'bob-pw' })).status).toBe(201);
  expect((await call('POST', '/admin/api/users', { user: 'bob', password: 'again' })).status).toBe(409);
  expect((await call('POST', '/admin/api/users', { user: 'bad name', password: 'x' })).status).toBe(400);
  const list = await call('GET', '/admin/api/users?limit=10');
  expect(list.body.users).toContainEqual({ jid: 'bob@localhost', resources: 0 });

  const before = await metrics();
  const bob = user('bob', 'bob-pw', 'api');
  await bob.start();
  const after = await metrics();
  expect(sample(after, 'pampero_c2s_logins_total')).toBe(sample(before, 'pampero_c2s_logins_total') + 1);
  expect(sample(after, 'pampero_c2s_sessions', 'transport="tcp"')).toBe(sample(before, 'pampero_c2s_sessions', 'transport="tcp"') + 1);
  expect(sample(after, 'pampero_storage_operation_seconds_count', 'store="accounts",operation="get"')).toBeGreaterThan(sample(before, 'pampero_storage_operation_seconds_count', 'store="accounts",operation="get"'));
  await bob.stop();

  expect((await call('PUT', '/admin/api/users/bob/password', { password: 'new-pw' })).status).toBe(204);
  const failuresBefore = sample(await metrics(), 'pampero_c2s_login_failures_total');
  await expect(user('bob', 'bob-pw', 'old').start()).rejects.toBeTruthy();
  expect(sample(await metrics(), 'pampero_c2s_login_failures_total')).toBeGreaterThan(failuresBefore);
  const again = user('bob', 'new-pw', 'new');
  await again.start();
  const ended = new Promise<void>((resolve) => again.on('disconnect', () => resolve()));
  expect((await call('DELETE', '/admin/api/users/bob@localhost')).status).toBe(204);
  await ended; // its session ended with the account
  expect((await call('DELETE', '/admin/api/users/bob')).status).toBe(404);
  await expect(user('bob', 'new-pw', 'gone').start()).rejects.toBeTruthy();
}, 30_000);

test('stanzas counted in and out by kind, routing latency observed, a bounced stanza counted', async () => {
  const ada = user('ada', 'ada-pw', 'm');
  await ada.start();
  const before = await metrics();
  const echoed = new Promise((resolve) => ada.on('stanza', (s: any) => s.is('message') && s.getChildText('body') === 'to me' && resolve(s)));
  await ada.send(xml('message', { to: `ada@${server.domain}/m`, type: 'chat' }, xml('body', {}, 'to me')));
  await echoed;
  const bounced = new Promise((resolve) => ada.on('stanza', (s: any) => s.is('message') && s.attrs.type === 'error' && resolve(s)));
  await ada.send(xml('message', { to: `nowhere.${server.domain}`, type: 'chat' }, xml('body', {}, 'lost')));
  await bounced;
  const after = await metrics();
  const delta = (name: string, filter: string) => sample(after, name, filter) - sample(before, name, filter);
  expect(delta('pampero_c2s_stanzas_received_total', 'kind="message"')).toBe(2);
  expect(delta('pampero_c2s_stanzas_sent_total', 'kind="message"')).toBe(2);
  expect(delta('pampero_router_routing_seconds_count', 'source="client"')).toBe(2);
  expect(delta('pampero_router_stanzas_total', 'outcome="bounced"')).toBe(1);
  expect(delta('pampero_router_stanza_errors_total', 'condition="service-unavailable"')).toBe(1);
  expect(after).toMatch(/^pampero_c2s_connections\{transport="tcp"\} [1-9]/m);
  expect(after).toMatch(/^pampero_nodejs_eventloop_lag_seconds \d/m);
  expect(after).toMatch(/^pampero_component_queued_stanzas\{domain="roster\.localhost"\} 0$/m);
  await ada.stop();
});

test('sessions: listed with their transport; a kick ends the client\'s stream with policy-violation', async () => {
  const ada = user('ada', 'ada-pw', 'kickme');
  await ada.start();
  const list = await call('GET', '/admin/api/sessions');
  expect(list.status).toBe(200);
  expect(list.body.sessions).toContainEqual(expect.objectContaining({ jid: 'ada@localhost/kickme', transport: 'tcp' }));

  const streamError = new Promise<any>((resolve) => ada.on('element', (el: any) => el.is('error', 'http://etherx.jabber.org/streams') && resolve(el)));
  const kicked = await call('POST', '/admin/api/sessions/kick', { jid: 'ada@localhost/kickme' });
  expect(kicked).toMatchObject({ status: 200, body: { kicked: ['ada@localhost/kickme'], condition: 'policy-violation' } });
  const error = await streamError;
  expect(error.getChild('policy-violation')).toBeTruthy();
  expect((await call('GET', '/admin/api/sessions')).body.sessions.map((s: any) => s.jid)).not.toContain('ada@localhost/kickme');
  expect((await call('POST', '/admin/api/sessions/kick', { jid: 'ada@localhost/kickme' })).status).toBe(404);
  expect((await call('POST', '/admin/api/sessions/kick', { jid: 'ada@localhost', condition: 'see-other-host' })).status).toBe(400);
  await ada.stop().catch(() => {});
});

test('a WebSocket session is listed and counted under transport websocket, with its PLAIN login', async () => {
  const before = await metrics();
  const ws = await loginWebSocket(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, server.domain, 'ada', 'ada-pw', 'browser');
  ws.send(`<message xmlns='jabber:client' to='ada@${server.domain}/browser' type='chat'><body>over ws</body></message>`);
  await ws.waitFor(/over ws/);
  const after = await metrics();
  const delta = (name: string, filter: string) => sample(after, name, filter) - sample(before, name, filter);
  expect(delta('pampero_c2s_logins_total', 'mechanism="PLAIN"')).toBe(1);
  expect(delta('pampero_c2s_sessions', 'transport="websocket"')).toBe(1);
  expect(delta('pampero_c2s_stanzas_received_total', 'transport="websocket",kind="message"')).toBe(1);
  expect(delta('pampero_c2s_stanzas_sent_total', 'transport="websocket",kind="message"')).toBe(1);
  expect(sample(after, 'pampero_c2s_connections', 'transport="websocket"')).toBeGreaterThanOrEqual(1);
  const list = await call('GET', `/admin/api/sessions?user=ada@${server.domain}`);
  expect(list.body.sessions).toContainEqual(expect.objectContaining({ jid: `ada@${server.domain}/browser`, transport: 'websocket' }));
  ws.socket.close();
  await ws.closed;
});

test('components: a domain attached through the API is connectable at once; re-key and detach close its link', async () => {
  const domain = `bot.${server.domain}`;
  expect((await call('POST', '/admin/api/components', { domain, secret: 'short' })).status).toBe(400);
  expect((await call('POST', '/admin/api/components', { domain, secret: 'bot-secret-1' })).body).toEqual({ domain, created: true });
  const bot = startComponent(domain, 'bot-secret-1');
  await bot.start();
  const listed = await call('GET', '/admin/api/components');
  expect(listed.body.components).toContainEqual(expect.objectContaining({ domain, allowed: true, connected: true, links: 1 }));
  expect(listed.body.components).toContainEqual(expect.objectContaining({ domain: `roster.${server.domain}`, connected: true }));

  // Re-key: the live link is closed (not-authorized); the new secret works, the old one does not.
  const rekeyed = new Promise<void>((resolve) => bot.on('disconnect', () => resolve()));
  expect((await call('PUT', `/admin/api/components/${domain}`, { secret: 'bot-secret-2' })).status).toBe(200);
  await rekeyed;
  await expect(startComponent(domain, 'bot-secret-1').start()).rejects.toMatchObject({ condition: 'not-authorized' });
  const bot2 = startComponent(domain, 'bot-secret-2');
  await bot2.start();

  const detached = new Promise<void>((resolve) => bot2.on('disconnect', () => resolve()));
  expect((await call('DELETE', `/admin/api/components/${domain}`)).status).toBe(204);
  await detached;
  expect((await call('GET', '/admin/api/components')).body.components.map((c: any) => c.domain)).not.toContain(domain);
  await expect(startComponent(domain, 'bot-secret-2').start()).rejects.toMatchObject({ condition: 'host-unknown' });
  expect((await call('DELETE', `/admin/api/components/${domain}`)).status).toBe(404);
  expect((await call('DELETE', `/admin/api/components/roster.${server.domain}`)).status).toBe(409);
}, 30_000);

test('cluster without Redis: this node\'s own record', async () => {
  const view = await call('GET', '/admin/api/cluster');
  expect(view.status).toBe(200);
  expect(view.body.mode).toBe('single');
  expect(view.body.nodes).toHaveLength(1);
  expect(view.body.nodes[0]).toMatchObject({ id: view.body.self, role: 'all', health: 'ok', up: true });
  expect(view.body.nodes[0].components).toContain(`roster.${server.domain}`);
  expect((await call('GET', '/admin/api/nothing-here')).status).toBe(404);
});

test('rate limits: the policy is shown, one rule changed, a bad change refused, and reset', async () => {
  const shown = await call('GET', '/admin/api/rate-limits');
  expect(shown.status).toBe(200);
  expect(shown.body.rules).toContain('logins-per-ip');
  const changed = await call('PUT', '/admin/api/rate-limits/logins-per-ip', { points: 7, action: 'delay' });
  expect(changed.status).toBe(200);
  expect(changed.body.rule).toMatchObject({ points: 7, action: 'delay', key: 'ip' });
  expect((await call('GET', '/admin/api/rate-limits')).body).toMatchObject({ version: changed.body.version, policy: { rules: { 'logins-per-ip': { points: 7 } } } });
  expect((await call('PUT', '/admin/api/rate-limits/logins-per-ip', { points: -1 })).status).toBe(400);
  expect((await call('PUT', '/admin/api/rate-limits/no-such-rule', { points: 1 })).status).toBe(404);
  expect((await call('PUT', '/admin/api/rate-limits', { allowIps: ['not an address'] })).status).toBe(400);
  const replaced = await call('PUT', '/admin/api/rate-limits', { rules: { 'failed-logins-per-account': { points: 3 } }, allowIps: ['10.0.0.0/8'], allowAccounts: ['monitor@localhost'] });
  expect(replaced.status).toBe(200);
  expect(replaced.body.version).toBeGreaterThan(changed.body.version);
  expect((await call('GET', '/admin/api/rate-limits')).body.policy).toMatchObject({
    rules: { 'failed-logins-per-account': { points: 3 }, 'logins-per-ip': { points: shown.body.policy.rules['logins-per-ip'].points } }, // the whole policy: left-out rules are back to their defaults
    allowIps: ['10.0.0.0/8'],
    allowAccounts: ['monitor@localhost'],
  });
  expect((await call('DELETE', '/admin/api/rate-limits')).status).toBe(200);
  expect((await call('GET', '/admin/api/rate-limits')).body.policy.rules['logins-per-ip'].points).toBe(shown.body.policy.rules['logins-per-ip'].points);
});

test('incidents: searched by filters and shown one by one; a bad filter or unknown id is refused', async () => {
  const listed = await call('GET', '/admin/api/incidents?offender=nobody%40localhost&limit=5');
  expect(listed.status).toBe(200);
  expect(listed.body.incidents).toEqual([]);
  expect((await call('GET', '/admin/api/incidents?since=yesterday')).status).toBe(400);
  expect((await call('GET', '/admin/api/incidents/no-such-id')).status).toBe(404);
  // Health snapshots are off here (healthSnapshots.intervalSeconds 0): the store is read, empty (written ones: metrics.test.ts).
  expect(await call('GET', '/admin/api/health-snapshots?limit=5')).toMatchObject({ status: 200, body: { writing: false, snapshots: [] } });
  expect((await call('GET', '/admin/api/health-snapshots?limit=0')).status).toBe(400);
  expect((await call('GET', '/admin/api')).body).toMatchObject({ api: 'pampero-admin', openapi: '/admin/openapi.yaml' });
});

test('abuse actions: an account suspended and unsuspended, a range banned and lifted', async () => {
  const suspended = await call('PUT', '/admin/api/users/ada/suspension', { reason: 'testing' });
  expect(suspended.status).toBe(200);
  expect(suspended.body).toMatchObject({ jid: 'ada@localhost', reason: 'testing', disconnected: [] });
  expect((await call('GET', '/admin/api/users/ada/suspension')).body.reason).toBe('testing');
  expect((await call('DELETE', '/admin/api/users/ada/suspension')).status).toBe(204);
  expect((await call('GET', '/admin/api/users/ada/suspension')).status).toBe(404);
  expect((await call('PUT', '/admin/api/users/nobody/suspension', {})).status).toBe(404);

  const banned = await call('POST', '/admin/api/bans', { range: '198.51.100.0/24', seconds: 60, reason: 'flood' });
  expect(banned.status).toBe(201);
  expect((await call('GET', '/admin/api/bans')).body.bans).toEqual([expect.objectContaining({ range: '198.51.100.0/24', reason: 'flood' })]);
  expect((await call('POST', '/admin/api/bans', { range: 'not-a-range', seconds: 60 })).status).toBe(400);
  expect((await call('DELETE', '/admin/api/bans?range=198.51.100.0%2F24')).status).toBe(200);
  expect((await call('DELETE', '/admin/api/bans?range=198.51.100.0%2F24')).status).toBe(404);
});

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('readyz turns 503 while the roster component is away (the node is degraded) and 200 once it is back', async () => {
  const rosterDomain = `roster.${server.domain}`;
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
    return { status: res.status, text: await res.text() };
  };
  // Re-keying the roster domain closes its link; the bundled component keeps retrying with the old secret.
  expect((await call('PUT', `/admin/api/components/${rosterDomain}`, { secret: 'not-the-roster-secret' })).status).toBe(200);
  expect(await eventually(readyz, (r) => r.status === 503)).toEqual({ status: 503, text: `roster component ${rosterDomain} down\n` });
  expect((await call('GET', '/admin/api/cluster')).body.nodes[0].health).toBe('degraded');
  expect((await call('GET', '/admin/api/node')).body.dependenciesDown).toEqual([`roster component ${rosterDomain}`]);
  expect((await call('PUT', `/admin/api/components/${rosterDomain}`, { secret: server.config.roster.secret })).status).toBe(200);
  expect(await eventually(readyz, (r) => r.status === 200)).toEqual({ status: 200, text: 'ready\n' });
}, 20_000);

test('drain: /readyz turns 503 "draining", the node says so, and its clients are sent away (shared/cluster/drain.ts)', async () => {
  const ada = user('ada', 'ada-pw', 'drained');
  await ada.start();
  const streamError = new Promise<any>((resolve) => ada.on('element', (el: any) => el.is('error', 'http://etherx.jabber.org/streams') && resolve(el)));
  expect((await call('POST', '/admin/api/drain')).status).toBe(202);
  const readyz = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
  expect(readyz.status).toBe(503);
  expect(await readyz.text()).toBe('draining\n');
  expect((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status).toBe(200);
  expect((await call('GET', '/admin/api/node')).body.readiness).toBe('draining');
  expect((await call('GET', '/admin/api/cluster')).body.nodes[0].health).toBe('draining');
  // c2s.seeOtherHost is empty here: system-shutdown (with it set: see-other-host), RFC 6120 §4.9.3.
  expect((await streamError).getChild('system-shutdown')).toBeTruthy();
  await ada.stop().catch(() => {});
});

test('the console and the OpenAPI file are served without the token; the console only with a strict CSP', async () => {
  const page = await fetch(`http://127.0.0.1:${adminPort}/admin/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
  expect(await page.text()).toMatch(/<script src="\/admin\/console.js" defer>/);
  expect((await fetch(`http://127.0.0.1:${adminPort}/admin/console.js`)).status).toBe(200);
  const spec = await fetch(`http://127.0.0.1:${adminPort}/admin/openapi.yaml`);
  expect(spec.status).toBe(200);
  expect(await spec.text()).toMatch(/^openapi: 3/);
  const redirect = await fetch(`http://127.0.0.1:${adminPort}/admin`, { redirect: 'manual' });
  expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/admin/']);
});
