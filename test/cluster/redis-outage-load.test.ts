// The fleet's Redis goes away for 10 s under chat load (real processes: a router, roster/MUC/
// PubSub, 2 gateways; redis-server with AOF as in production, stopped and started again on the
// same port and directory). No process crashes, nothing the server acknowledged is lost (messages
// that could not cross while Redis was away went to offline storage and arrive at the next login)
// and, once Redis is back, messages cross between the gateways live again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { hasRedisServer } from '../support/redis.js';
import { freePort } from '../support/free-port.js';
import { freeFleetBase } from '../support/fleet-ports.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';
import { ChatUser, settleLoad, startChatLoad } from '../support/chat-load.js';
import { startLocalFleet, stopChild, type RunningFleet } from '../../cli/local-fleet.js';
import { configFromObject } from '../../shared/config/index.js';

const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;
const NAMES = ['eva', 'finn', 'gus', 'hana'];
const LAYOUT = { gateways: 2, routers: 1, instances: 1 };

/** redis-server with AOF (fsync always) in `dir`; resolves once it answers PING. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--loglevel', 'warning'], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await probe.connect().then(() => probe.ping(), () => undefined).catch(() => undefined);
    if (ok === 'PONG') break;
    probe.disconnect();
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  probe.disconnect();
  return child;
}

describeWhenPossible('Redis away for 10 s under chat load', () => {
  let dataDir: string;
  let fleet: RunningFleet;
  let redis: ChildProcess;
  let redisPort: number;
  let base: number;
  const users: ChatUser[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-redis-out-'));
    for (const user of NAMES) {
      expect((await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir])).code).toBe(0);
    }
    redisPort = await freePort();
    redis = await startRedis(redisPort, dataDir);
    base = await freeFleetBase(LAYOUT);
    const config = configFromObject({ dataDir, c2s: { allowPlainFromLoopback: true }, log: { level: (process.env.FLEET_LOG_LEVEL ?? 'warn') as 'warn' } });
    fleet = await startLocalFleet(config, { ...LAYOUT, basePort: base, redisUrl: `redis://127.0.0.1:${redisPort}` }, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(users.map((u) => u.stop()));
    await fleet?.stop();
    if (redis) await stopChild(redis);
    if (!process.env.KEEP_FLEET_LOGS) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('no process crashes, no acknowledged message is lost, and traffic crosses gateways again', async () => {
    const gateway = (g: number) => base + 200 + g * 10;
    NAMES.forEach((name, i) => users.push(new ChatUser({ username: name, password: `${name}-pw`, domain: 'localhost', port: gateway([1, 2, 2, 1][i]!) })));
    for (const u of users) await u.start();
    const load = startChatLoad(users, 150);
    await new Promise((r) => setTimeout(r, 2000));

    await stopChild(redis); // SIGTERM: AOF written, as a Redis restart in production
    await new Promise((r) => setTimeout(r, 10_000));
    redis = await startRedis(redisPort, dataDir);

    // Every node is ready again (/readyz checks its Redis connection).
    const deadline = Date.now() + 20_000;
    for (const p of fleet.processes) {
      while (!(await fetch(`http://127.0.0.1:${p.httpPort}/readyz`).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline) throw new Error(`${p.name} not ready after Redis came back`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await new Promise((r) => setTimeout(r, 3000)); // load goes on with Redis back
    expect(fleet.processes.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null).map((p) => p.name)).toEqual([]);

    const outcome = await settleLoad(load, 20_000);
    if (outcome.lost.length && process.env.KEEP_FLEET_LOGS) {
      const r = new Redis(redisPort);
      for (const node of ['gateway-1', 'gateway-2', 'router-1']) {
        const key = `pampero:inbox:{${node}}`;
        console.log(node, await r.xlen(key), JSON.stringify(await r.xpending(key, 'pampero')), JSON.stringify(await r.xrange(key, '-', '+', 'COUNT', 5)).slice(0, 1500));
      }
      console.log(outcome.lost, users.map((u) => [u.opts.username, u.logins, u.events.slice(-6)]));
      r.disconnect();
    }
    expect({ lost: outcome.lost, notAcked: outcome.notAcked, bounced: outcome.bounced }).toEqual({ lost: [], notAcked: 0, bounced: [] });
    expect(outcome.acked).toBeGreaterThan(100);

    // Live again across gateways: eva (gateway 1) → finn (gateway 2), no new login needed.
    const [eva, finn] = users as [ChatUser, ChatUser];
    const logins = finn.logins;
    eva.send(finn.jid, 'after the outage');
    const deadlineLive = Date.now() + 10_000;
    while (!finn.received.has('after the outage') && Date.now() < deadlineLive) await new Promise((r) => setTimeout(r, 100));
    expect(finn.received.has('after the outage')).toBe(true);
    expect(finn.logins).toBe(logins);
  }, 90_000);
});
