// The web admin console (shared/admin/console/) in headless Chromium against real nodes: two
// all-in-one servers beat to one spawned Redis, the console logs in with the token, shows both
// nodes and live charts, shows a node that stopped beating as DOWN within 10 s, attaches a
// component domain from its form (which an @xmpp/component component then connects to), kicks an
// @xmpp/client session, edits a rate limit that an @xmpp/client session then meets, bans an
// address (refused) and lifts the ban, saves an allow-list, and lists incidents. Screenshots go to test-artifacts/ (git-ignored). Skipped, with the reason, without
// Chromium or redis-server.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { component } from '@xmpp/component';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/free-port.js';
import { header, openRaw } from '../support/raw-client.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { Redis } from 'ioredis';
import { clusterKeys } from '../../shared/cluster/keys.js';
import { encodeRecord, type NodeRecord } from '../../shared/cluster/node-heartbeat.js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = join(root, 'test-artifacts');
const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : !hasRedisServer() ? 'redis-server is missing (scripts/test-setup.sh)' : '';
if (missing) console.warn(`admin console browser test skipped: ${missing}`);
const describeIfReady = missing ? describe.skip : describe;

const TOKEN = 'console-token-abcdef0123456789';

describeIfReady('the admin console in headless Chromium', () => {
  let redis: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  let adminPort: number;
  let browser: any;
  let profile: string;
  let tab: any;
  const logs: string[] = [];

  const step = async <T>(what: string, p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      await tab?.screenshot({ path: join(ARTIFACTS, 'admin-console-failed.png') }).catch(() => {});
      throw new Error(`${what}: ${(err as Error).message}\nbrowser log:\n${logs.slice(-20).join('\n')}`);
    }
  };

  beforeAll(async () => {
    redis = await spawnRedis();
    adminPort = await freePort();
    // Two nodes of one fleet (default heartbeat: every 2 s); node A also serves the admin API and
    // console and applies the abuse-control policy.
    nodeA = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'node-a' }, admin: { host: '127.0.0.1', port: adminPort, token: TOKEN }, abuse: { enabled: true } });
    nodeB = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'node-b' } });
    await nodeA.addUser('kim', 'kim-pw');
    await nodeA.addUser('lee', 'lee-pw');
    // A third node that stopped beating 20 s ago (its entry outlives it until its TTL).
    const silent: NodeRecord = { id: 'node-gone', role: 'gateway', version: '0.1.0', listening: [], health: 'ok', sessions: 3, rssBytes: 1 << 26, cpuPercent: 0, eventLoopLagMs: 0, host: 'old-host', pid: 1, startedAt: Date.now() - 80_000, lastBeatAt: Date.now() - 20_000 };
    const writer = new Redis(redis.url);
    await writer.multi().hset(clusterKeys.node(silent.id), encodeRecord(silent)).zadd(clusterKeys.nodeIndex, silent.lastBeatAt, silent.id).exec();
    writer.disconnect();
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'pampero-chromium-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    tab = await browser.newPage();
    tab.on('console', (m: any) => logs.push(`${m.type()}: ${m.text()}`));
    tab.on('pageerror', (e: Error) => logs.push(`pageerror: ${e.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await nodeB?.stop();
    await nodeA?.stop();
    await redis?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('a wrong token is refused on the login form', async () => {
    await tab.goto(`http://127.0.0.1:${adminPort}/admin/`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
    await tab.fill('#token', 'not-the-token');
    await tab.click('#login-button');
    await step('no refusal shown', tab.locator('#login-error', { hasText: 'refused' }).waitFor({ timeout: 10_000 }));
    expect(await tab.locator('#overview').isHidden()).toBe(true);
  }, 30_000);

  test('logs in with the token and shows the fleet: two live nodes, a silent one as DOWN, live charts', async () => {
    await tab.fill('#token', TOKEN);
    await tab.click('#login-button');
    await step('overview did not show', tab.locator('#overview').waitFor({ state: 'visible', timeout: 10_000 }));
    for (const id of ['node-a', 'node-b']) {
      await step(`${id} not in the overview`, tab.locator(`#nodes tr[data-node="${id}"]`).waitFor({ timeout: 15_000 }));
    }
    const rowA = tab.locator('#nodes tr[data-node="node-a"]');
    expect(await rowA.locator('td').nth(1).textContent()).toBe('all');
    expect(await rowA.locator('td').nth(3).textContent()).toBe('ok');
    expect(await tab.locator('#cluster-mode').textContent()).toMatch(/fleet: 3 node/);
    const gone = tab.locator('#nodes tr[data-node="node-gone"]');
    expect(await gone.locator('td').nth(3).textContent()).toBe('DOWN');
    expect(await gone.locator('td').nth(9).textContent()).toMatch(/^silent 2\ds$/);
    // Polls every 2 s add points to the charts (rates need two samples).
    const points = () => ((globalThis as any).document.querySelector('[data-chart="stanzas"] polyline')?.getAttribute('points') ?? '').split(' ').filter(Boolean).length;
    await step('charts did not draw', tab.waitForFunction(points, undefined, { timeout: 10_000 }));
    await step('charts did not grow', tab.waitForFunction((n: number) => ((globalThis as any).document.querySelector('[data-chart="stanzas"] polyline')?.getAttribute('points') ?? '').split(' ').filter(Boolean).length >= n, 3, { timeout: 15_000 }));
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-overview.png'), fullPage: true });
  }, 60_000);

  test('attaches a component domain from the page; an @xmpp/component component then connects, and is detached from the page', async () => {
    const domain = `console-bot.${nodeA.domain}`;
    await tab.click('nav a[data-section="components"]');
    await tab.fill('#attach-domain', domain);
    await tab.fill('#attach-secret', 'console-bot-secret');
    await tab.click('#attach-button');
    const row = tab.locator(`#component-table tr[data-domain="${domain}"]`);
    await step('the attached domain did not show', row.waitFor({ timeout: 10_000 }));
    expect(await row.locator('[data-state]').getAttribute('data-state')).toBe('disconnected');

    const bot = component({ service: `xmpp://127.0.0.1:${nodeA.componentPort}`, domain, password: 'console-bot-secret' });
    bot.on('error', () => {});
    (bot as any).reconnect?.stop?.();
    await bot.start();
    await step('the component did not show as connected', row.locator('[data-state="connected"]').waitFor({ timeout: 10_000 }));
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-components.png'), fullPage: true });

    // Detach (click twice): the live link is closed and the domain leaves the list.
    const gone = new Promise<void>((resolve) => bot.on('disconnect', () => resolve()));
    const detach = row.locator(`button[data-detach="${domain}"]`);
    await detach.click();
    expect(await detach.textContent()).toBe('Click again to detach');
    await detach.click();
    await step('the component was not disconnected', gone);
    await step('the detached domain stayed listed', row.waitFor({ state: 'detached', timeout: 10_000 }));
    await bot.stop().catch(() => {});
  }, 60_000);

  test('kicks an @xmpp/client session from the sessions page', async () => {
    const kim = client({ service: `xmpp://127.0.0.1:${nodeA.c2sPort}`, domain: nodeA.domain, username: 'kim', password: 'kim-pw', resource: 'phone' });
    kim.on('error', () => {});
    (kim as any).reconnect?.stop?.();
    await kim.start();
    const gone = new Promise<void>((resolve) => kim.on('disconnect', () => resolve()));
    await tab.click('nav a[data-section="sessions"]');
    const kick = tab.locator(`#session-table button[data-kick="kim@${nodeA.domain}/phone"]`);
    await step('the session did not show', kick.waitFor({ timeout: 10_000 }));
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-sessions.png'), fullPage: true });
    await kick.click();
    await step('the client was not disconnected', gone);
    await step('the kicked session stayed listed', kick.waitFor({ state: 'detached', timeout: 10_000 }));
    await tab.click('nav a[data-section="overview"]');
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-overview-after.png'), fullPage: true });
  }, 60_000);

  test('a node that stops beating is shown DOWN on the overview within 10 s of its last beat', async () => {
    // node-c beats once, as NodeHeartbeat does, then goes silent (as after kill -9).
    const lastBeatAt = Date.now();
    const record: NodeRecord = { id: 'node-c', role: 'gateway', version: '0.1.0', listening: [], health: 'ok', sessions: 0, rssBytes: 1 << 26, cpuPercent: 1, eventLoopLagMs: 0, host: 'c-host', pid: 2, startedAt: lastBeatAt - 60_000, lastBeatAt };
    const writer = new Redis(redis.url);
    await writer.multi().hset(clusterKeys.node(record.id), encodeRecord(record)).zadd(clusterKeys.nodeIndex, lastBeatAt, record.id).exec();
    writer.disconnect();
    await tab.click('nav a[data-section="overview"]');
    const health = tab.locator('#nodes tr[data-node="node-c"] td').nth(3);
    await step('node-c did not show as ok', tab.locator('#nodes tr[data-node="node-c"] td.health-ok').waitFor({ timeout: 5_000 }));
    await step('node-c was not shown DOWN within 10 s', tab.locator('#nodes tr[data-node="node-c"] td.health-down').waitFor({ timeout: Math.max(1, lastBeatAt + 10_000 - Date.now()) }));
    expect(await health.textContent()).toBe('DOWN');
    expect(Date.now() - lastBeatAt).toBeLessThanOrEqual(10_000);
    expect(await tab.locator('#nodes tr[data-node="node-a"] td').nth(3).textContent()).toBe('ok');
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-node-down.png'), fullPage: true });
  }, 30_000);

  test('edits a rate limit on the page; an @xmpp/client session then gets policy-violation beyond the new budget', async () => {
    await tab.click('nav a[data-section="rate-limits"]');
    const row = tab.locator('#rule-table tr[data-rule="stanzas-per-session"]');
    const applied = row.locator('[data-applied]');
    await step('the rule did not show', row.waitFor({ timeout: 10_000 }));
    expect(await applied.textContent()).toBe('100 per 1 s, delay');

    // Three stanzas per minute, refused beyond: typed into the row and saved.
    await row.locator('input[name="points"]').fill('3');
    await row.locator('input[name="durationSeconds"]').fill('60');
    await row.locator('select[name="action"]').selectOption('refuse');
    await row.locator('button[data-save-rule]').click();
    await step('the page did not show the new value', tab.waitForFunction(() => (globalThis as any).document.querySelector('[data-applied="stanzas-per-session"]')?.textContent === '3 per 60 s, refuse', undefined, { timeout: 10_000 }));
    expect(await tab.locator('#message').textContent()).toMatch(/^Saved stanzas-per-session: 3 per 60 s, refuse \(policy version \d+\)/);
    expect(await row.locator('input[name="points"]').inputValue()).toBe('3');
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-rate-limits.png'), fullPage: true });
    await new Promise((resolve) => setTimeout(resolve, 2200)); // every gateway applies a change within 2 s

    const lee = client({ service: `xmpp://127.0.0.1:${nodeA.c2sPort}`, domain: nodeA.domain, username: 'lee', password: 'lee-pw', resource: 'pinger' });
    lee.on('error', () => {});
    (lee as any).reconnect?.stop?.();
    await lee.start();
    try {
      const pings = await Promise.allSettled(Array.from({ length: 6 }, () => lee.iqCaller.request(xml('iq', { type: 'get', to: nodeA.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 5000)));
      const answered = pings.filter((p) => p.status === 'fulfilled');
      const refused = pings.filter((p): p is PromiseRejectedResult => p.status === 'rejected').map((p) => p.reason?.condition);
      expect(answered).toHaveLength(3);
      expect(refused).toEqual(['policy-violation', 'policy-violation', 'policy-violation']);
      expect(lee.status).toBe('online'); // refused stanzas, not a closed session
    } finally {
      await lee.stop().catch(() => {});
    }

    // Back to the defaults from the page (click twice).
    await tab.click('#reset-limits');
    await tab.click('#reset-limits');
    await step('the reset did not show', tab.waitForFunction(() => (globalThis as any).document.querySelector('[data-applied="stanzas-per-session"]')?.textContent === '100 per 1 s, delay', undefined, { timeout: 10_000 }));
  }, 60_000);

  test('bans an address from the rate-limits page (its connections are refused), lifts it, and saves an allow-list', async () => {
    await tab.fill('#ban-range', '127.0.0.9/32');
    await tab.fill('#ban-minutes', '5');
    await tab.fill('#ban-reason', 'console test');
    await tab.click('#ban-button');
    const ban = tab.locator('#ban-table tr[data-ban="127.0.0.9/32"]');
    await step('the ban did not show', ban.waitFor({ timeout: 10_000 }));
    expect(await ban.locator('td').nth(2).textContent()).toBe('console test');
    await new Promise((resolve) => setTimeout(resolve, 2200)); // every gateway applies it within 2 s
    const banned = await openRaw(nodeA.c2sPort, '127.0.0.9');
    banned.send(header(nodeA.domain));
    expect(await banned.waitFor(/<text[^>]*>[^<]*<\/text>/)).toMatch(/banned/);
    expect(banned.received()).toContain('policy-violation');
    banned.socket.destroy();

    await ban.locator('button[data-lift]').click();
    await step('the lifted ban stayed listed', ban.waitFor({ state: 'detached', timeout: 10_000 }));

    await tab.fill('#allow-accounts', `monitor@${nodeA.domain}`);
    await tab.click('#allow-save');
    await step('the allow-list was not saved', tab.locator('#message', { hasText: 'Allow-lists saved' }).waitFor({ timeout: 10_000 }));
    expect(await tab.inputValue('#allow-accounts')).toBe(`monitor@${nodeA.domain}`); // read back from the API
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-bans.png'), fullPage: true });
    await tab.fill('#allow-accounts', ''); // back to no allow-list
    await tab.click('#allow-save');
    const allowAccounts = async () => ((await (await fetch(`http://127.0.0.1:${adminPort}/admin/api/rate-limits`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any).policy.allowAccounts;
    for (let i = 0; i < 50 && (await allowAccounts()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await allowAccounts()).toEqual([]);
  }, 60_000);

  test('the incidents page lists a XEP-0377 spam report and the abuse event of the refused stanzas', async () => {
    const kim = client({ service: `xmpp://127.0.0.1:${nodeA.c2sPort}`, domain: nodeA.domain, username: 'kim', password: 'kim-pw', resource: 'reporter' });
    kim.on('error', () => {});
    (kim as any).reconnect?.stop?.();
    await kim.start();
    try {
      await kim.iqCaller.set(xml('block', { xmlns: 'urn:xmpp:blocking' },
        xml('item', { jid: 'spammer@spam.example' },
          xml('report', { xmlns: 'urn:xmpp:reporting:1', reason: 'urn:xmpp:reporting:spam' }, xml('text', {}, 'Cheap watches')))));
    } finally {
      await kim.stop().catch(() => {});
    }
    await tab.click('nav a[data-section="incidents"]');
    const events = tab.locator('#incident-table tr[data-incident]', { hasText: 'stanzas-per-session' });
    await step('the abuse event did not show', events.first().waitFor({ timeout: 10_000 }));
    await tab.fill('#incident-offender', 'spammer@spam.example');
    await tab.click('#incident-search');
    const report = tab.locator('#incident-table tr[data-incident]', { hasText: 'Cheap watches' });
    await step('the spam report did not show', report.waitFor({ timeout: 10_000 }));
    expect(await report.locator('td').nth(1).textContent()).toBe('spam-report');
    expect(await report.locator('td').nth(2).textContent()).toBe(`kim@${nodeA.domain}`);
    expect(await tab.locator('#incident-table tr[data-incident]').count()).toBe(1);
    await tab.screenshot({ path: join(ARTIFACTS, 'admin-console-incidents.png'), fullPage: true });
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  }, 30_000);
});
