// The web admin console (shared/admin/console/) in headless Chromium against real nodes: two
// all-in-one servers beat to one spawned Redis, the console logs in with the token, shows both
// nodes and live charts, attaches a component domain from its form (which an @xmpp/component
// component then connects to) and kicks an @xmpp/client session. Screenshots go to
// test-artifacts/ (git-ignored). Skipped, with the reason, without Chromium or redis-server.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client } from '@xmpp/client';
import { component } from '@xmpp/component';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/free-port.js';
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
    // Two nodes of one fleet; node A also serves the admin API and console.
    nodeA = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'node-a', heartbeatSeconds: 1 }, admin: { host: '127.0.0.1', port: adminPort, token: TOKEN } });
    nodeB = await startTestServer({ cluster: { redisUrl: redis.url, nodeId: 'node-b', heartbeatSeconds: 1 } });
    await nodeA.addUser('kim', 'kim-pw');
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

  test('attaches a component domain from the page; an @xmpp/component component then connects', async () => {
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
    await bot.stop();
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
    await tab.click('nav a[data-section="rate-limits"]');
    expect(await tab.locator('#rate-limits .placeholder').textContent()).toMatch(/issue #9/);
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  }, 60_000);
});
