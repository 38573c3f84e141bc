// Fault (f) of issue 11: one node of a fleet frozen with SIGSTOP — not dead, stuck: its sockets
// stay open, its heartbeat stops, it answers nothing. Two all-in-one nodes (real processes of the
// build this module runs from, dist/ or a `tsc --outDir` directory: loadtest/shared/pampero-process.ts;
// one data directory; one real Redis): A, B and the prober dave on node 1, carol on node 2,
// which is frozen. What needs node 2: an IQ to carol's full JID gets remote-server-timeout at
// components.iqTimeoutSeconds (shared/cluster/remote-iq-deadlines.ts) instead of waiting for
// ever; a message to carol is accepted into node 2's durable inbox (Redis) — the designed
// outcome, no error — and reaches her live when node 2 runs again: from its inbox, or — frozen
// past the down threshold, the fleet declared node 2 dead, parked carol's resumable session
// (@xmpp/client enables XEP-0198) and moved the message to it — when node 2 takes its sessions
// back (FleetResumption.reclaim). SIGCONT clears the fault; node 2 recovers by itself.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../../cli/user-commands.js';
import { withStores } from '../../cli/with-stores.js';
import { configFromObject } from '../../shared/config/index.js';
import { freePorts } from '../shared/free-port.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../shared/redis.js';
import { isBuilt, PAMPERO_BIN, startPampero, type PamperoProcess } from '../shared/pampero-process.js';
import type { Fault, FaultSize, ProbeResult } from './fault.js';
import { connectProbe, exchange, iqExchange, probe, scrapeMetrics, sleep, xml, type ProbeClient } from './xmpp-probes.js';

/** Why this fault cannot run here (no redis-server, dist/ not built), or undefined. */
export function cannotRun(): string | undefined {
  if (!hasRedisServer()) return 'redis-server is not installed (scripts/test-setup.sh installs it)';
  if (!isBuilt()) return `${PAMPERO_BIN} is not built (npm run build)`;
  return undefined;
}

interface Node {
  proc: PamperoProcess;
  c2s: number;
  http: number;
}

function rssOf(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export const fault: Fault = {
  name: 'node-frozen',
  description: 'one node of a two-node fleet frozen with SIGSTOP (A and B on the other node)',
  async setup(size: FaultSize) {
    const why = cannotRun();
    if (why) throw new Error(`node-frozen cannot run: ${why}`);
    const full = size === 'full';
    const iqTimeoutSeconds = full ? 5 : 2;
    const redis: TestRedis = await spawnRedis();
    const dataDir = await mkdtemp(join(tmpdir(), 'pampero-fault-frozen-'));
    const domain = 'localhost';
    const nodes: Node[] = [];
    const clients: ProbeClient[] = [];
    const teardown = async () => {
      for (const c of clients) await c.stop().catch(() => undefined);
      for (const n of nodes) {
        n.proc.child.kill('SIGCONT'); // ours, by its handle: a frozen node cannot stop
        await n.proc.stop();
      }
      await redis.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
    try {
      await withStores(configFromObject({ dataDir, domain }), async (stores) => {
        for (const user of ['alice', 'bob', 'carol', 'dave']) await addUser(stores, `${user}@${domain}`, `${user}-pw`);
      });
      for (const name of ['node-1', 'node-2']) {
        const [c2s, tls, component, http] = await freePorts(4);
        const proc = await startPampero({
          PAMPERO_DATA_DIR: dataDir, PAMPERO_DOMAIN: domain, PAMPERO_REDIS: redis.url, PAMPERO_CLUSTER__NODE_ID: name,
          PAMPERO_C2S_PORT: String(c2s), PAMPERO_C2S_TLS_PORT: String(tls), PAMPERO_COMPONENT_PORT: String(component), PAMPERO_HTTP_PORT: String(http),
          PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: 'true', PAMPERO_SASL2__ENABLED: 'false', PAMPERO_LOG_LEVEL: 'warn',
          PAMPERO_COMPONENTS__IQ_TIMEOUT_SECONDS: String(iqTimeoutSeconds),
          // Both sizes freeze node 2 past the down threshold (3 heartbeats), so the fleet reaps it
          // and it has to take its sessions back when it runs again.
          PAMPERO_CLUSTER__HEARTBEAT_SECONDS: full ? '2' : '1',
        }, http, 45_000);
        nodes.push({ proc, c2s, http });
      }
    } catch (err) {
      await teardown();
      throw err;
    }
    const [node1, node2] = nodes as [Node, Node];
    const dave = await connectProbe(domain, { username: 'dave', password: 'dave-pw', port: node1.c2s }, 'probe', { presence: true });
    const carol = await connectProbe(domain, { username: 'carol', password: 'carol-pw', port: node2.c2s }, 'phone', { presence: true });
    clients.push(dave, carol);
    const carolJid = `carol@${domain}/phone`;
    // carol answers pings (as any client does) and notes the probe messages she gets.
    const carolGot = new Set<string>();
    carol.xmpp.on('stanza', (s: any) => {
      if (s.is('iq') && s.attrs.type === 'get' && s.getChild('ping', 'urn:xmpp:ping')) carol.xmpp.send(xml('iq', { type: 'result', id: s.attrs.id, to: s.attrs.from })).catch(() => undefined);
      if (s.is('message') && s.attrs.id) carolGot.add(s.attrs.id);
    });
    const nextLoginGets = async (id: string): Promise<boolean> => {
      const check = await connectProbe(domain, { username: 'carol', password: 'carol-pw', port: node1.c2s }, `check-${Date.now()}`, {});
      try {
        check.xmpp.on('stanza', (s: any) => s.is('message') && s.attrs.id && carolGot.add(s.attrs.id));
        await check.xmpp.send(xml('presence'));
        for (let i = 0; i < 20 && !carolGot.has(id); i++) await sleep(100);
        return carolGot.has(id);
      } finally {
        await check.stop();
      }
    };
    const ping = (deadlineMs: number) => iqExchange(dave, carolJid, xml('ping', { xmlns: 'urn:xmpp:ping' }), deadlineMs);
    // The fleet sees carol from node 1 before the fault.
    for (let i = 0; i < 50 && (await ping(1000)).outcome !== 'ok'; i++) await sleep(100);
    const rssAtStart = rssOf(node1.proc.child.pid);
    const iqDeadline = iqTimeoutSeconds * 1000 + 1500;

    return {
      domain,
      a: { username: 'alice', password: 'alice-pw', port: node1.c2s },
      b: { username: 'bob', password: 'bob-pw', port: node1.c2s },
      inject: async () => void node2.proc.child.kill('SIGSTOP'),
      async probe(): Promise<ProbeResult[]> {
        const results = [probe('IQ to a user on the frozen node', await ping(iqDeadline + 2000), ['remote-server-timeout'], iqDeadline)];
        // Accepted into node 2's durable inbox: no error comes back (the designed outcome).
        const message = await exchange(dave, xml('message', { to: carolJid, type: 'chat', id: 'probe-frozen' }, xml('body', {}, 'are you there?')), (s) => s.is('message') && s.attrs.id === 'probe-frozen', 1000);
        results.push({ ...probe('message to a user on the frozen node', message, ['no answer'], 1100), outcome: message.outcome === 'no answer' ? 'queued in its inbox' : message.outcome });
        return results;
      },
      clear: async () => void node2.proc.child.kill('SIGCONT'),
      // Node 2 answers again and carol got the message sent while it was frozen, live on the
      // connection she kept (or, should her session have ended meanwhile, at her next login).
      recovered: async () => (await ping(1000)).outcome === 'ok' && (carolGot.has('probe-frozen') || (await nextLoginGets('probe-frozen'))),
      memoryBytes: () => rssOf(node1.proc.child.pid),
      // Node 1 holds at most maxPendingIqs (10,000) IQ deadlines; its inbox entries to node 2 are in Redis.
      memoryBoundBytes: rssAtStart + 128 * 1048576,
      bulkheadMetrics: () => scrapeMetrics(node1.http, ['pampero_cluster_remote_iq', 'pampero_cluster_', 'pampero_router_stanza_errors_total']),
      teardown,
    };
  },
};
