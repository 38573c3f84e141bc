// A rolling restart of a whole fleet under chat load: redis-server, 2 routers, one instance each
// of roster, MUC and PubSub, and 2 gateways, each a real `pampero start` process. Four users on
// both gateways send numbered messages while every process in turn is stopped with SIGTERM
// (drained: see-other-host to the other gateway, components to the other router, the inbox handed
// over) and started again. No message the server acknowledged (XEP-0198) is lost. Gateway-2 comes
// back speaking the previous bus protocol version and the fleet goes on across versions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { freeFleetBase } from '../support/fleet-ports.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';
import { ChatUser, settleLoad, startChatLoad } from '../support/chat-load.js';
import { startLocalFleet, type RunningFleet } from '../../cli/local-fleet.js';
import { rollingRestart } from '../../cli/rolling-restart.js';
import { configFromObject } from '../../shared/config/index.js';
import { clusterKeys } from '../../shared/cluster/keys.js';
import { BUS_PROTOCOL_VERSION } from '../../shared/cluster/node-bus.js';

const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;
const NAMES = ['ana', 'ben', 'cid', 'dora'];
const LAYOUT = { gateways: 2, routers: 2, instances: 1 };

describeWhenPossible('rolling restart of a fleet under chat load', () => {
  let dataDir: string;
  let fleet: RunningFleet;
  let redisServer: TestRedis;
  let base: number;
  let users: ChatUser[] = [];
  const log: string[] = [];

  const gatewayPort = (g: number) => base + 200 + g * 10;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-rolling-'));
    for (const user of NAMES) {
      expect((await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir])).code).toBe(0);
    }
    base = await freeFleetBase(LAYOUT);
    const config = configFromObject({ dataDir, c2s: { allowPlainFromLoopback: true }, log: { level: 'warn' } });
    // The message archive is on (its default): seven processes write it into one LMDB environment
    // (shared/storage/lmdb/lmdb-env.ts, docs/cluster.md).
    redisServer = await spawnRedis();
    fleet = await startLocalFleet(config, { ...LAYOUT, basePort: base, redisUrl: redisServer.url }, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(users.map((u) => u.stop()));
    await fleet?.stop();
    await redisServer?.stop();
    if (!process.env.KEEP_FLEET_LOGS) await rm(dataDir, { recursive: true, force: true }); // set it to read DATA_DIR/fleet-logs
  }, 60_000);

  test('every process restarted one by one under load: no acknowledged message lost', async () => {
    // Pairs across gateways: ana (1) ↔ ben (2), cid (2) ↔ dora (1).
    users = NAMES.map((name, i) => new ChatUser({ username: name, password: `${name}-pw`, domain: 'localhost', port: gatewayPort([1, 2, 2, 1][i]!) }));
    for (const u of users) await u.start();
    const load = startChatLoad(users, 150);
    await new Promise((r) => setTimeout(r, 1500));

    const previous = String(BUS_PROTOCOL_VERSION - 1);
    await rollingRestart(fleet, (line) => log.push(line), {
      // The mixed-version step: gateway-2 comes back as the previous release's bus speaks.
      envFor: (name) => (name === 'gateway-2' ? { PAMPERO_BUS_PROTOCOL_VERSION: previous } : undefined),
    });
    await new Promise((r) => setTimeout(r, 1500));
    const outcome = await settleLoad(load, 20_000);
    const summary = { ...outcome, lost: outcome.lost.slice(0, 20), events: outcome.events.slice(0, 20), restarts: log };
    if (process.env.VERBOSE_LOAD || outcome.lost.length + outcome.notAcked > 0) console.log(JSON.stringify(summary, null, 1));
    // The guarantee (issue 7): no message the server acknowledged is lost. A message whose ack the
    // client never saw is not acknowledged; beside the whole suite one such message in ~400 has
    // been seen (its client reconnecting when the settle window ended) — a few are tolerated.
    expect({ lost: outcome.lost, bounced: outcome.bounced }).toEqual({ lost: [], bounced: [] });
    expect(outcome.notAcked).toBeLessThanOrEqual(2);
    expect(outcome.acked).toBeGreaterThan(100);
    // Clients were moved, not just cut off: told to see the other gateway (RFC 6120 §4.9.3.19), they logged in there.
    const redirects = users.flatMap((u) => u.streamErrors);
    expect(redirects).toEqual(expect.arrayContaining([`see-other-host 127.0.0.1:${gatewayPort(1)}`, `see-other-host 127.0.0.1:${gatewayPort(2)}`]));
    expect(users.every((u) => u.logins > 1)).toBe(true);
  }, 90_000);

  test('a node on the previous bus protocol version and one on the current version exchange messages both ways', async () => {
    const redis = new Redis(fleet.redisUrl);
    try {
      expect(await redis.hget(clusterKeys.busVersions, 'gateway-2')).toBe(String(BUS_PROTOCOL_VERSION - 1));
      expect(await redis.hget(clusterKeys.busVersions, 'gateway-1')).toBe(String(BUS_PROTOCOL_VERSION));
    } finally {
      redis.disconnect();
    }
    // Fresh logins: ana on gateway-1 (version N), ben on gateway-2 (N-1).
    const [ana, ben] = users as [ChatUser, ChatUser];
    await ana.relogin(gatewayPort(1));
    await ben.relogin(gatewayPort(2));
    const load = startChatLoad([ana, ben], 100, 'mixed:');
    await new Promise((r) => setTimeout(r, 1500));
    const outcome = await settleLoad(load, 15_000);
    expect(outcome.lost).toEqual([]);
    expect([...ana.received].filter((b) => b.startsWith('mixed:ben>')).length).toBeGreaterThan(5);
    expect([...ben.received].filter((b) => b.startsWith('mixed:ana>')).length).toBeGreaterThan(5);
  }, 45_000);
});
