// The system of the Redis faults (redis-slow.ts, redis-down.ts): a local fleet of real processes
// (cli/local-fleet.ts: a router, roster/MUC/PubSub, two gateways) whose Redis is reached through a
// TcpFaultProxy in front of a real redis-server. A and B both sit on gateway 1: delivery between
// two sessions of one gateway is decided in memory (shared/cluster/cluster-directory.ts keeps the
// directory synchronous) and never waits on Redis. What needs Redis is traffic between gateways:
// the probe is a message from carol (gateway 1) to dave (gateway 2). Its designed outcomes: it
// crosses live (Redis slow but within the command deadline), or — Redis past its deadline or
// unreachable — it goes to dave's offline storage and reaches him at his next login, which
// `recovered()` checks along with live crossing again.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import { startLocalFleet, type RunningFleet } from '../../cli/local-fleet.js';
import { withStores } from '../../cli/with-stores.js';
import { addUser } from '../../cli/user-commands.js';
import { configFromObject } from '../../shared/config/index.js';
import { spawnRedis, type TestRedis } from '../shared/redis.js';
import { freeFleetBase } from '../shared/fleet-ports.js';
import type { FaultSize, FaultSystem, ProbeResult } from './fault.js';
import { TcpFaultProxy, type ProxyMode } from './tcp-fault-proxy.js';
import { connectProbe, messageProbe, type ProbeClient } from './xmpp-probes.js';

const LAYOUT = { gateways: 2, routers: 1, instances: 1 };
const USERS = ['alice', 'bob', 'carol', 'dave'];
/** A message between gateways gets its outcome (live, offline, or an error) within this. */
const PROBE_DEADLINE_MS = 5000;
/** Each fleet process may use this much resident memory (the RSS sum is bounded by processes × this). */
const RSS_PER_PROCESS_BYTES = 400 * 1048576;

function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function redisFaultSystem(size: FaultSize, mode: ProxyMode): Promise<FaultSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-redis-fault-'));
  const config = configFromObject({ dataDir, c2s: { allowPlainFromLoopback: true }, sasl2: { enabled: false }, log: { level: (process.env.FLEET_LOG_LEVEL ?? 'warn') as 'warn' } });
  let redis: TestRedis | undefined;
  let proxy: TcpFaultProxy | undefined;
  let fleet: RunningFleet | undefined;
  const clients: ProbeClient[] = [];
  const teardown = async () => {
    proxy?.set({ kind: 'pass' });
    for (const c of clients) await c.stop();
    await fleet?.stop();
    await proxy?.close();
    await redis?.stop();
    if (process.env.KEEP_FLEET_LOGS) console.log(`fleet logs kept in ${join(dataDir, 'fleet-logs')}`);
    else await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await withStores(config, async (stores) => {
      for (const user of USERS) await addUser(stores, `${user}@${config.domain}`, `${user}-pw`);
    });
    redis = await spawnRedis();
    proxy = new TcpFaultProxy(redis.port);
    await proxy.listen();
    const base = await freeFleetBase(LAYOUT);
    // One LMDB environment written by several processes' archives hit MDB_BAD_TXN (docs/cluster.md): off, as in the cluster tests.
    const archiveBefore = process.env.PAMPERO_ARCHIVE__ENABLED;
    process.env.PAMPERO_ARCHIVE__ENABLED = 'false';
    try {
      fleet = await startLocalFleet(config, { ...LAYOUT, basePort: base, redisUrl: `redis://127.0.0.1:${proxy.port}` }, () => undefined);
    } finally {
      if (archiveBefore === undefined) delete process.env.PAMPERO_ARCHIVE__ENABLED;
      else process.env.PAMPERO_ARCHIVE__ENABLED = archiveBefore;
    }
    const gateway = (g: number) => base + 200 + g * 10;
    const account = (username: string, g: number) => ({ username, password: `${username}-pw`, port: gateway(g) });
    const carol = await connectProbe(config.domain, account('carol', 1));
    clients.push(carol);
    const dave = await connectProbe(config.domain, account('dave', 2));
    clients.push(dave);
    await dave.xmpp.send(xml('presence'));
    const daveJid = `dave@${config.domain}`;
    /** Probe messages that went to dave's offline storage: they must reach his next login. */
    const queued = new Set<string>();
    /** What dave got, live or at a later login (a message queued may also cross late). */
    const daveGot = new Set<string>();
    dave.xmpp.on('stanza', (s: any) => s.is('message') && daveGot.add(s.getChildText('body')));
    const processes = fleet.processes;
    const baseRss = processes.reduce((sum, p) => sum + rssOf(p.child.pid), 0);
    const crossings = size === 'full' ? 10 : 2;

    const nextLoginGets = async (bodies: Set<string>): Promise<boolean> => {
      const check = await connectProbe(config.domain, account('dave', 2), `check-${Date.now()}`);
      try {
        check.xmpp.on('stanza', (s: any) => s.is('message') && daveGot.add(s.getChildText('body')));
        await check.xmpp.send(xml('presence'));
        const deadline = Date.now() + 3000;
        while ([...bodies].some((b) => !daveGot.has(b)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        return [...bodies].every((b) => daveGot.has(b));
      } finally {
        await check.stop();
      }
    };

    return {
      domain: config.domain,
      a: account('alice', 1),
      b: account('bob', 1),
      inject: async () => proxy!.set(mode),
      probe: async () => {
        const results: ProbeResult[] = [];
        for (let i = 0; i < crossings; i++) {
          const attempt = messageProbe('message to another gateway', carol, daveJid, dave, PROBE_DEADLINE_MS,
            ['delivered', 'queued offline'], PROBE_DEADLINE_MS - 1000, 'queued offline');
          const result = await attempt;
          if (result.outcome === 'queued offline') queued.add(attempt.body);
          results.push(result);
        }
        return results;
      },
      clear: async () => proxy!.set({ kind: 'pass' }),
      recovered: async () => {
        const attempt = messageProbe('message to another gateway', carol, daveJid, dave, 2000, ['delivered'], 1500);
        const live = await attempt;
        if (!live.ok) {
          queued.add(attempt.body); // not live yet: kept offline (or crossing late); it must reach dave either way
          return false;
        }
        if (queued.size > 0 && !(await nextLoginGets(queued))) return false;
        queued.clear();
        return true;
      },
      memoryBytes: () => processes.reduce((sum, p) => sum + rssOf(p.child.pid), 0),
      memoryBoundBytes: Math.max(baseRss * 2, processes.length * RSS_PER_PROCESS_BYTES),
      bulkheadMetrics: async () => {
        const figures: Record<string, number> = {};
        for (const p of processes.filter((q) => q.role === 'gateway' || q.role === 'router')) {
          const text = await fetch(`http://127.0.0.1:${p.httpPort}/metrics`).then((r) => r.text(), () => '');
          for (const line of text.split('\n')) {
            const m = /^(pampero_redis_(?:errors_total|connected)|pampero_sm_mirror_late_total|pampero_cluster_\w+)(\{[^}]*\})? (\S+)$/.exec(line);
            if (m && Number(m[3]) !== 0) figures[`${p.name} ${m[1]}`] = (figures[`${p.name} ${m[1]}`] ?? 0) + Number(m[3]);
          }
        }
        return figures;
      },
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
