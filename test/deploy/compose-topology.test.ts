// Issue #13's local test: deploy/compose's topology without containers. Every Pampero service of
// deploy/compose/docker-compose.yml runs as a local `pampero start` process with the same role,
// the same environment and the same config file (deploy/config/*.yaml, mounted at /etc/pampero in
// the containers), next to redis-server from Debian. What cannot run here is replaced, and said so
// in the output: ports are rewritten to free ones (and `router-N:5275` to the local router's
// port), ScyllaDB by the embedded store (storage.backend lmdb, one data directory), TLS-less login
// from loopback is allowed for the test clients. Then two clients on the two gateways chat under
// a rolling restart of every process (cli/rolling-restart.ts), and nothing acknowledged is lost.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployPath, readYaml } from './deploy-files.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { freePorts } from '../support/free-port.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';
import { ChatUser, settleLoad, startChatLoad } from '../support/chat-load.js';
import { launchFleet, type FleetProcess, type RunningFleet } from '../../cli/local-fleet.js';
import { rollingRestart } from '../../cli/rolling-restart.js';

const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | boolean>;
}

/** `${VAR:?msg}`, `${VAR:-default}` and `${VAR}` as docker compose substitutes them. */
function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => vars[name] ?? (op === '-' ? arg ?? '' : ''));
}

/** The compose file's Pampero services as fleet processes for this machine (see the header). */
async function composePlan(dataDir: string, redisUrl: string, notes: string[]): Promise<FleetProcess[]> {
  const compose = readYaml(deployPath('compose', 'docker-compose.yml')) as { services: Record<string, ComposeService> };
  const vars = { XMPP_DOMAIN: 'localhost', REDIS_PASSWORD: '', PAMPERO_COMPONENT_SECRET: 'compose-topology-secret', PAMPERO_ADMIN_TOKEN: 'compose-topology-token', PAMPERO_LOG_LEVEL: 'warn' };
  const services = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'start');
  const roleOf = (s: ComposeService) => s.command![s.command!.indexOf('--role') + 1]!;
  // Local ports: c2s, direct TLS, HTTP, component port, admin port per process.
  const ports = await freePorts(services.length * 5);
  const componentPortOf = new Map<string, number>();
  services.forEach(([name], i) => componentPortOf.set(name, ports[i * 5 + 3]!));
  notes.push('ScyllaDB and Elasticsearch cannot run here: storage.backend lmdb (one data directory for every process) instead of ScyllaDB; Elasticsearch is an optional profile, not started');
  notes.push('ports rewritten to free local ones; xmpp://router-N:5275 to the local router-N; plain login allowed from loopback for the test clients');
  return services.map(([name, service], i) => {
    const role = roleOf(service);
    const env: Record<string, string> = {};
    for (const [key, raw] of Object.entries(service.environment ?? {})) env[key] = substitute(String(raw), vars);
    const [c2s, tls, http, component, admin] = ports.slice(i * 5, i * 5 + 5) as [number, number, number, number, number];
    env.PAMPERO_CONFIG = deployPath('config', env.PAMPERO_CONFIG!.replace(/^\/etc\/pampero\//, ''));
    env.PAMPERO_ROLE = role;
    env.PAMPERO_REDIS = redisUrl;
    env.PAMPERO_DATA_DIR = dataDir;
    for (const key of Object.keys(env)) if (key.startsWith('PAMPERO_STORAGE__SCYLLA__')) delete env[key];
    env.PAMPERO_STORAGE__BACKEND = 'lmdb';
    env.PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK = 'true';
    env.PAMPERO_HTTP_PORT = String(http);
    env.PAMPERO_ADMIN_PORT = String(admin);
    if (role === 'gateway' || role === 'router') {
      env.PAMPERO_C2S_PORT = role === 'gateway' ? String(c2s) : '0';
      env.PAMPERO_C2S_TLS_PORT = role === 'gateway' ? String(tls) : '0';
      env.PAMPERO_COMPONENT_PORT = role === 'router' ? String(component) : '0';
    }
    if (env.PAMPERO_COMPONENT_SERVICE) {
      env.PAMPERO_COMPONENT_SERVICE = env.PAMPERO_COMPONENT_SERVICE.replace(/xmpp:\/\/([a-z0-9-]+):5275/g, (_m, host: string) => `xmpp://127.0.0.1:${componentPortOf.get(host)}`);
    }
    return { name, role, env, serves: `${role} (compose service ${name})`, httpPort: http };
  });
}

describeWhenPossible("deploy/compose's topology as local processes", () => {
  let dataDir: string;
  let redis: TestRedis;
  let fleet: RunningFleet | undefined;
  let plan: FleetProcess[] = [];
  const users: ChatUser[] = [];
  const notes: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-compose-'));
    await mkdir(join(dataDir, 'fleet-logs'));
    for (const user of ['romeo', 'juliet']) {
      expect((await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir])).code).toBe(0);
    }
    redis = await spawnRedis();
    plan = await composePlan(dataDir, redis.url, notes);
    fleet = await launchFleet(plan, join(dataDir, 'fleet-logs'), () => undefined, redis.url);
    for (const note of notes) process.stdout.write(`compose-topology: ${note}\n`);
  }, 80_000);

  afterAll(async () => {
    await Promise.all(users.map((u) => u.stop()));
    await fleet?.stop();
    await redis?.stop();
    if (!process.env.KEEP_FLEET_LOGS) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('the same services and roles as the compose file, each with its config file', () => {
    expect(plan.map((p) => `${p.name}:${p.role}`).sort()).toEqual([
      'gateway-1:gateway', 'gateway-2:gateway', 'muc-1:muc', 'muc-2:muc', 'pubsub-1:pubsub', 'pubsub-2:pubsub',
      'roster-1:roster', 'roster-2:roster', 'router-1:router', 'router-2:router',
    ]);
    for (const p of plan) expect(p.env.PAMPERO_CONFIG).toBe(deployPath('config', `${p.role}.yaml`));
  });

  test('two clients on the two gateways chat through a rolling restart of every process', async () => {
    const port = (name: string) => Number(plan.find((p) => p.name === name)!.env.PAMPERO_C2S_PORT);
    users.push(new ChatUser({ username: 'romeo', password: 'romeo-pw', domain: 'localhost', port: port('gateway-1') }));
    users.push(new ChatUser({ username: 'juliet', password: 'juliet-pw', domain: 'localhost', port: port('gateway-2') }));
    for (const u of users) await u.start();
    const load = startChatLoad(users, 200);
    await new Promise((r) => setTimeout(r, 1000));
    const restarted: string[] = [];
    await rollingRestart(fleet!, (line) => restarted.push(line));
    expect(restarted).toHaveLength(plan.length);
    const outcome = await settleLoad(load, 20_000);
    if (outcome.lost.length + outcome.notAcked > 0) console.log(JSON.stringify({ ...outcome, lost: outcome.lost.slice(0, 20), events: outcome.events.slice(0, 20), restarted }, null, 1));
    // The guarantee (issue 7): no message the server acknowledged is lost. A message whose ack the
    // client never saw is not acknowledged; beside the whole suite one such message in ~400 has
    // been seen (its client reconnecting when the settle window ended) — a few are tolerated.
    expect({ lost: outcome.lost, bounced: outcome.bounced }).toEqual({ lost: [], bounced: [] });
    expect(outcome.notAcked).toBeLessThanOrEqual(2);
    expect(outcome.acked).toBeGreaterThan(50);
  }, 90_000);
});
