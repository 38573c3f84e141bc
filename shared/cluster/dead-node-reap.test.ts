// Reaping a gateway killed with SIGKILL while chat to its resumable sessions goes on
// (docs/cluster.md, "Resumption on any gateway"): a message the sender's gateway acknowledged
// must reach the session its client resumes, whichever node routed it and at whatever moment of
// the reap. Real redis-server; in-process ClusterNodes with the account harness's router. The dead
// gateway, and a gateway where a session resumes, are only the records such gateways leave in
// Redis (beats, directory entries, XEP-0198 state, inboxes), so which node reaps is never a race.
import { Element } from 'ltx';
import type { Redis } from 'ioredis';
import { createLogger } from '../log.js';
import { accountHarness } from '../router/features/test-support/account-harness.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../../test/support/redis.js';
import { ClusterNode } from './cluster-node.js';
import { clusterKeys } from './keys.js';
import { encodeRecord } from './node-heartbeat.js';
import { connectRedis, redisReady } from './redis-connection.js';
import type { RemoteSession } from './remote-session.js';
import { SessionRegistry } from './session-registry.js';
import { PARKED_NODE, SessionResumptionStore } from './session-resumption.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACCOUNTS = ['alice@localhost', 'bob@localhost', 'carol@localhost'];
const HEARTBEAT_MS = 100;

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function chat(from: string, to: string, body: string): Element {
  const m = new Element('message', { from, to, type: 'chat' });
  m.c('body').t(body);
  return m;
}

describeWithRedis('reaping a dead gateway under chat (real redis-server)', () => {
  let server: TestRedis;
  let redis: Redis;
  let registry: SessionRegistry;
  const logger = createLogger('silent');
  const nodes: ClusterNode[] = [];

  beforeAll(async () => {
    server = await spawnRedis();
    redis = connectRedis({ url: server.url, logger });
    await redisReady(redis);
    registry = new SessionRegistry(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(() => redis.flushall());
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop();
  });

  async function startNode(nodeId: string) {
    const node = await ClusterNode.connect({ nodeId, redisUrl: server.url, role: 'gateway', version: 'test', heartbeatMs: HEARTBEAT_MS, maxInboxEntries: 1000, logger });
    const harness = accountHarness(ACCOUNTS, { sessions: node.directory, nodeId });
    await node.start(harness.router, [], () => ({ health: 'ok', sessions: harness.router.sessions.size }));
    nodes.push(node);
    await sleep(HEARTBEAT_MS * 4); // past the settling time after connecting, when nobody is reaped
    return { node, ...harness };
  }

  /** One membership check of `node`, as its heartbeat timer runs it. */
  const checkMembers = (node: ClusterNode) => (node as unknown as { watchMembers(): Promise<void> }).watchMembers();

  /**
   * A gateway's last beat at `at`: in the future for a live one (it has no Redis connection, so a
   * beat a heartbeat old would already make it dead), long ago for one killed with SIGKILL.
   */
  async function beat(id: string, at: number): Promise<void> {
    const record = encodeRecord({ id, role: 'gateway', version: 'test', listening: [], health: 'ok', host: 'test', pid: 1, startedAt: at, lastBeatAt: at, rssBytes: 0, cpuPercent: 0, eventLoopLagMs: 0 });
    await redis.multi().hset(clusterKeys.node(id), record).zadd(clusterKeys.nodeIndex, at, id).exec();
  }

  /** A resumable session bound on gateway `nodeId`: its directory entry and its XEP-0198 state. */
  async function resumableSession(nodeId: string, fullJid: string, smId: string, sessionId: string): Promise<void> {
    await new SessionResumptionStore(redis, nodeId, 100, logger).track(fullJid, smId, sessionId, 60_000).flush();
    await registry.put(fullJid, { nodeId, sessionId, available: true, priority: 0 });
  }

  async function inboxBodies(nodeId: string): Promise<string[]> {
    const entries = (await redis.xrange(clusterKeys.inbox(nodeId), '-', '+')) as Array<[string, string[]]>;
    return entries.map(([, fields]) => fields[fields.indexOf('b') + 1] ?? '');
  }

  test('a node that finds a gateway dead while another node reaps it keeps routing to that gateway: what it sends before the reaper parks a session reaches the parked list', async () => {
    await beat('gw-dead', Date.now() + 3_600_000);
    await resumableSession('gw-dead', 'carol@localhost/phone', 'sm-carol', 'c2s-carol');
    const a = await startNode('gw-a');
    const alice = a.session('alice', 'desk', 0);
    expect((a.node.directory.get('carol@localhost/phone') as RemoteSession | undefined)?.nodeId).toBe('gw-dead');

    // gw-dead is killed; another node takes its reap lock first and has not parked carol yet
    // when gw-a finds gw-dead dead too.
    await redis.set(clusterKeys.reapLock('gw-dead'), 'gw-elsewhere');
    await beat('gw-dead', Date.now() - 60_000);
    await checkMembers(a.node);

    // alice's gateway acknowledges this message (XEP-0198) once routed.
    a.router.fromClient(alice, chat(alice.jid.full, 'carol@localhost/phone', 'before-the-park'));
    await waitFor(async () => (await inboxBodies('gw-dead')).some((b) => b.includes('before-the-park')) || (a.offline.get('carol@localhost') ?? []).length > 0, 'the message routed');
    expect(a.offline.get('carol@localhost') ?? []).toEqual([]); // not as to a resource that is gone
    expect(await inboxBodies('gw-dead')).toEqual([expect.stringContaining('before-the-park')]); // where the reaper finds it

    // The reap goes on (here gw-a does it): carol parked, the inbox drained into her list.
    await redis.del(clusterKeys.reapLock('gw-dead'));
    const list = clusterKeys.smQueue('carol@localhost', 'sm-carol');
    await waitFor(async () => (await redis.lrange(list, 0, -1)).some((item) => item.includes('before-the-park')), "the message in carol's parked list");
    expect((a.node.directory.get('carol@localhost/phone') as RemoteSession | undefined)?.nodeId).toBe(PARKED_NODE);
    expect(a.offline.get('carol@localhost') ?? []).toEqual([]);
  });

  test("a message the reaper drains from a dead gateway's inbox after its client resumed on another gateway reaches it there, not offline storage", async () => {
    await beat('gw-dead', Date.now() + 3_600_000);
    await beat('gw-x', Date.now() + 3_600_000);
    await resumableSession('gw-dead', 'bob@localhost/phone', 'sm-bob', 'c2s-bob');
    const subscriber = connectRedis({ url: server.url, logger, commandTimeoutMs: 0 });
    await redisReady(subscriber);
    const events: Array<{ kind: string; nodeId: string }> = [];
    subscriber.on('message', (_channel: string, message: string) => events.push(JSON.parse(message) as { kind: string; nodeId: string }));
    await subscriber.subscribe(clusterKeys.directoryChannel);
    try {
      const r = await startNode('gw-r');
      expect((r.node.directory.get('bob@localhost/phone') as RemoteSession | undefined)?.nodeId).toBe('gw-dead');

      // gw-dead is killed; gw-r reaps it: bob parked, the inbox drained once, gw-dead announced
      // gone, then a pause for senders that had not seen it gone before the inbox's last read.
      await beat('gw-dead', Date.now() - 60_000);
      await waitFor(() => events.some((e) => e.kind === 'node-gone' && e.nodeId === 'gw-dead'), 'the reap of gw-dead');

      // Meanwhile bob's client resumes on gw-x, which takes the session and binds it there.
      const taken = await new SessionResumptionStore(redis, 'gw-x', 100, logger).take('bob@localhost', 'sm-bob', 'c2s-bob-2');
      expect(taken.kind).toBe('taken');
      await registry.put('bob@localhost/phone', { nodeId: 'gw-x', sessionId: 'c2s-bob-2', available: true, priority: 0 });
      await redis.publish(clusterKeys.directoryChannel, JSON.stringify({ v: 1, kind: 'bind', nodeId: 'gw-x', sessionId: 'c2s-bob-2', fullJid: 'bob@localhost/phone', available: true, priority: 0 }));
      await waitFor(() => (r.node.directory.get('bob@localhost/phone') as RemoteSession | undefined)?.nodeId === 'gw-x', "gw-r's view: bob on gw-x");

      // A sender's gateway that had not seen gw-dead gone yet writes to its inbox (and acknowledges
      // the message to its client); the reaper reads it in its last read.
      const xml = chat('alice@localhost/desk', 'bob@localhost/phone', 'late-for-gw-dead').toString();
      const written = await redis.eval(
        `if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
         return redis.call('XADD', KEYS[1], '*', 'v', '1', 'k', 'deliver', 'f', 'gw-s', 'b', ARGV[1])`,
        2, clusterKeys.inbox('gw-dead'), clusterKeys.inboxClosed('gw-dead'), `bob@localhost/phone\n${xml}`,
      );
      expect(written).not.toBe(0); // written before the reaper closed the inbox (else the sender would have been told)

      await waitFor(async () => (await redis.exists(clusterKeys.inbox('gw-dead'))) === 0, 'the last read of the inbox');
      await waitFor(async () => (await inboxBodies('gw-x')).length > 0 || (r.offline.get('bob@localhost') ?? []).length > 0, 'the message routed');
      expect(r.offline.get('bob@localhost') ?? []).toEqual([]); // bob's resumed session would never see it there
      expect(await inboxBodies('gw-x')).toEqual([`bob@localhost/phone\n${xml}`]);
    } finally {
      subscriber.disconnect();
    }
  });
});
