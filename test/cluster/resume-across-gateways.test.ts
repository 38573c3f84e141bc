// XEP-0198 resumption on any gateway of a fleet (docs/cluster.md, "Resumption anywhere"): a
// client whose gateway stopped or died resumes on another gateway and gets every stanza it had
// not acknowledged, and every stanza sent to it meanwhile, exactly once. A real redis-server;
// in-process nodes for the graceful stop, real processes for kill -9; SmClient does XEP-0198 by
// the book and counts everything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { startFleetGateway, type FleetGateway } from '../support/fleet-gateway.js';
import { isBuilt } from '../support/pampero-process.js';
import { SmClient } from '../../loadtest/tool/client/sm-client.js';
import { connectRedis, redisReady } from '../../shared/cluster/redis-connection.js';
import { createLogger } from '../../shared/log.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const describeWithProcesses = hasRedisServer() && isBuilt() ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bodies(client: SmClient): string[] {
  return client.messages.map((m) => m.getChildText('body') ?? '').filter((b) => b !== '');
}

function chat(to: string, body: string): string {
  return `<message to='${to}' type='chat'><body>${body}</body></message>`;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describeWithRedis('resumption on another gateway after a graceful stop (in-process nodes)', () => {
  let redisServer: TestRedis;
  let redis: Redis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: SmClient[] = [];

  beforeAll(async () => {
    redisServer = await spawnRedis();
    redis = connectRedis({ url: redisServer.url, logger: createLogger('silent') });
    await redisReady(redis);
    const cluster = (nodeId: string) => ({ cluster: { redisUrl: redisServer.url, nodeId, heartbeatSeconds: 0.5 } });
    nodeA = await startTestServer(cluster('gw-a'));
    nodeB = await startTestServer(cluster('gw-b'));
    // Each in-process node has its own storage: the users exist on both.
    for (const node of [nodeA, nodeB]) for (const user of ['alice', 'bob']) await node.addUser(user, `${user}-pw`);
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.stop();
    await nodeB?.stop();
    await nodeA?.stop();
    redis?.disconnect();
    await redisServer?.stop();
  });

  test('a client of a stopped gateway resumes on another and gets what it had not acknowledged and what came meanwhile, once', async () => {
    const alice = new SmClient({ domain: 'localhost', user: 'alice', password: 'alice-pw', resource: 'phone' });
    const bob = new SmClient({ domain: 'localhost', user: 'bob', password: 'bob-pw', resource: 'desk' });
    clients.push(alice, bob);
    await alice.start(nodeA.c2sPort);
    await bob.start(nodeB.c2sPort);
    await waitFor(async () => (await redis.hlen('pampero:sessions:{alice@localhost}')) === 1, 5000, 'alice in the directory');
    await sleep(200); // the directory channel reaches node B

    for (let i = 1; i <= 3; i++) bob.send(chat(alice.fullJid, `before-${i}`));
    await alice.until(() => bodies(alice).length === 3);
    expect(await redis.exists(`pampero:sm:{alice@localhost}:${alice.smId}`)).toBe(1);

    // Gateway A stops: alice's session is parked in Redis, and what bob sends meanwhile waits there.
    const gone = alice.closed;
    await nodeA.stop();
    await gone;
    for (let i = 1; i <= 3; i++) bob.send(chat(alice.fullJid, `meanwhile-${i}`));
    await bob.requestAck();
    expect(bob.unacked).toEqual([]);

    const resumed = await alice.resume(nodeB.c2sPort);
    expect(resumed.name).toBe('resumed');
    await alice.until(() => bodies(alice).length >= 6, 5000).catch(() => undefined);
    await sleep(300); // anything extra would show up now
    expect(bodies(alice).sort()).toEqual(['before-1', 'before-2', 'before-3', 'meanwhile-1', 'meanwhile-2', 'meanwhile-3']);

    // The resumed session is an ordinary session of gateway B: chat goes on both ways.
    alice.send(chat(bob.fullJid, 'back'));
    await bob.until(() => bodies(bob).includes('back'));
    bob.send(chat(alice.fullJid, 'welcome'));
    await alice.until(() => bodies(alice).includes('welcome'));
  }, 30_000);

  test('a client that logs in afresh instead of resuming gets at once what its parked session held', async () => {
    const nodeD = await startTestServer({ cluster: { redisUrl: redisServer.url, nodeId: 'gw-d', heartbeatSeconds: 0.5 } });
    for (const u of ['alice', 'bob']) await nodeD.addUser(u, `${u}-pw`);
    const alice = new SmClient({ domain: 'localhost', user: 'alice', password: 'alice-pw', resource: 'mobile' });
    const bob = new SmClient({ domain: 'localhost', user: 'bob', password: 'bob-pw', resource: 'den' });
    clients.push(alice, bob);
    await alice.start(nodeD.c2sPort);
    await bob.start(nodeB.c2sPort);
    await sleep(1000); // the directory channel reaches node B (generous: CI runs loaded)
    const gone = alice.closed;
    await nodeD.stop(); // alice's session is parked in Redis (resumable for 300 s)
    await gone;
    bob.send(chat(alice.fullJid, 'while-away'));
    await bob.requestAck();
    // The same full JID binds a new session (no <resume/>): the parked one ends now (RFC 6120
    // §7.7.2.2) and hands over what it held, instead of keeping it until its timeout.
    const again = new SmClient({ domain: 'localhost', user: 'alice', password: 'alice-pw', resource: 'mobile' });
    clients.push(again);
    await again.start(nodeB.c2sPort);
    await again.until(() => bodies(again).includes('while-away'), 8000);
  }, 30_000);

  test("a message for a node that left before the sender's view heard so goes to the user's other resource, not into the closed inbox", async () => {
    const nodeE = await startTestServer({ cluster: { redisUrl: redisServer.url, nodeId: 'gw-e', heartbeatSeconds: 0.5 } });
    await nodeE.stop(); // left cleanly: its inbox is closed
    const phone = new SmClient({ domain: 'localhost', user: 'alice', password: 'alice-pw', resource: 'phone-e' });
    const bob = new SmClient({ domain: 'localhost', user: 'bob', password: 'bob-pw', resource: 'pc-e' });
    clients.push(phone, bob);
    await phone.start(nodeB.c2sPort);
    await bob.start(nodeB.c2sPort);
    // Node B's view still has a session of the node that left (its channel message came late), with
    // the highest priority, so a message to the bare JID picks it.
    const stale = { v: 1, kind: 'bind', nodeId: 'gw-e', sessionId: 'stale-1', fullJid: 'alice@localhost/desk-e', available: true, priority: 50 };
    await redis.publish('pampero:directory', JSON.stringify(stale));
    await sleep(300);
    bob.send(chat('alice@localhost', 'to-the-bare-jid'));
    await phone.until(() => bodies(phone).includes('to-the-bare-jid'), 8000);
    expect(await redis.xlen('pampero:inbox:{gw-e}')).toBe(0);
  }, 30_000);

  test('a resume on another gateway while the old connection is still open takes the session over: the old one gets conflict', async () => {
    const tablet = new SmClient({ domain: 'localhost', user: 'bob', password: 'bob-pw', resource: 'tablet' });
    const laptop = new SmClient({ domain: 'localhost', user: 'alice', password: 'alice-pw', resource: 'laptop' });
    clients.push(tablet, laptop);
    await tablet.start(nodeB.c2sPort);
    await laptop.start(nodeB.c2sPort);
    await sleep(200);
    laptop.send(chat(tablet.fullJid, 'one'));
    await tablet.until(() => bodies(tablet).includes('one'));

    // The client comes back through a third gateway while gateway B still has its old connection.
    const nodeC = await startTestServer({ cluster: { redisUrl: redisServer.url, nodeId: 'gw-c', heartbeatSeconds: 0.5 } });
    try {
      for (const u of ['alice', 'bob']) await nodeC.addUser(u, `${u}-pw`);
      let oldText = '';
      tablet.socket.on('data', (chunk: string) => (oldText += chunk));
      const twin = tablet.copy();
      clients.push(twin);
      const resumed = await twin.resume(nodeC.c2sPort);
      expect(resumed.name).toBe('resumed');
      await tablet.closed;
      expect(oldText).toContain('<conflict');
      laptop.send(chat(tablet.fullJid, 'two'));
      await twin.until(() => bodies(twin).includes('two'), 5000);
    } finally {
      await nodeC.stop();
    }
  }, 30_000);
});

describeWithProcesses('resumption on another gateway after kill -9 (real processes)', () => {
  let redisServer: TestRedis;
  let dataDir: string;
  const nodes: FleetGateway[] = [];
  const clients: SmClient[] = [];
  const USERS = 18;

  async function startGateway(name: string): Promise<FleetGateway> {
    const node = await startFleetGateway(name, dataDir, redisServer.url);
    nodes.push(node);
    return node;
  }

  function user(i: number): SmClient {
    const c = new SmClient({ domain: 'localhost', user: `u${i}`, password: `u${i}-pw`, resource: 'r' });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    redisServer = await spawnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-resume-'));
    // One process adds every user (a `pampero user add` each would take a process start each).
    const { configFromObject } = await import('../../shared/config/index.js');
    const { withStores } = await import('../../cli/with-stores.js');
    const { addUser } = await import('../../cli/user-commands.js');
    const config = configFromObject({ dataDir });
    await withStores(config, async (stores) => {
      for (let i = 0; i < USERS; i++) await addUser(stores, `u${i}@localhost`, `u${i}-pw`);
    });
  }, 30_000);

  afterEach(async () => {
    for (const c of clients.splice(0)) c.stop();
    for (const n of nodes.splice(0)) await n.proc.stop();
  });

  afterAll(async () => {
    await redisServer?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('a client of a gateway killed with SIGKILL resumes on another and gets every unacknowledged stanza once', async () => {
    const [a, b] = [await startGateway('gw-1'), await startGateway('gw-2')];
    const alice = user(0);
    const bob = user(1);
    await alice.start(a.c2s);
    await bob.start(b.c2s);
    await sleep(700); // the directory channel reaches gateway 2

    for (let i = 1; i <= 3; i++) bob.send(chat(alice.fullJid, `before-${i}`));
    await alice.until(() => bodies(alice).length === 3, 8000);

    await a.proc.kill9();
    for (let i = 1; i <= 3; i++) bob.send(chat(alice.fullJid, `meanwhile-${i}`));
    const resumed = await alice.resume(b.c2s);
    expect(resumed.name).toBe('resumed');
    await alice.until(() => bodies(alice).length >= 6, 8000).catch(() => undefined);
    await sleep(300);
    expect(bodies(alice).sort()).toEqual(['before-1', 'before-2', 'before-3', 'meanwhile-1', 'meanwhile-2', 'meanwhile-3']);
    alice.send(chat(bob.fullJid, 'back'));
    await bob.until(() => bodies(bob).includes('back'), 5000);
  }, 60_000);

  test('a session of a killed gateway not resumed in time ends: its contact sees it go unavailable, what it missed waits offline', async () => {
    const [a, b] = [await startGateway('gw-1'), await startGateway('gw-2')];
    const alice = user(2);
    const bob = user(3);
    await alice.start(a.c2s, 2); // asks for a 2 s resumption timeout
    await bob.start(b.c2s);
    await sleep(700);
    // Mutual presence subscription (the roster lives in the shared storage).
    bob.send(`<presence to='u2@localhost' type='subscribe'/>`);
    await alice.next((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 8000);
    alice.send(`<presence to='u3@localhost' type='subscribed'/>`);
    alice.send(`<presence to='u3@localhost' type='subscribe'/>`);
    await bob.next((el) => el.name === 'presence' && el.attrs.type === 'subscribe', 8000);
    bob.send(`<presence to='u2@localhost' type='subscribed'/>`);
    const seen = bob.next((el) => el.name === 'presence' && el.attrs.from === alice.fullJid && !el.attrs.type, 8000);
    alice.send('<presence/>');
    await seen;

    const killedAt = Date.now();
    await a.proc.kill9();
    bob.send(chat(alice.fullJid, 'while-you-were-out'));
    // Parked at once, so no unavailable yet; after the 2 s timeout it ends for good.
    await bob.next((el) => el.name === 'presence' && el.attrs.from === alice.fullJid && el.attrs.type === 'unavailable', 12_000);
    expect(Date.now() - killedAt).toBeGreaterThan(2000);
    expect((await alice.resume(b.c2s)).name).toBe('failed');

    // A new session of alice gets the message from offline storage, with the time it was first handled.
    const again = user(2);
    await again.start(b.c2s);
    const late = await again.next((el) => el.name === 'message' && el.getChildText('body') === 'while-you-were-out', 8000);
    expect(late.getChild('delay', 'urn:xmpp:delay')).toBeDefined();
  }, 60_000);

  test('kill -9 of a gateway under chat load: every message is received exactly once by its recipient session', async () => {
    const gateways = [await startGateway('gw-a'), await startGateway('gw-b'), await startGateway('gw-c')];
    const chatters = Array.from({ length: USERS }, (_, i) => user(i));
    const home = new Map<SmClient, number>();
    await Promise.all(chatters.map((c, i) => (home.set(c, i % 3), c.start(gateways[i % 3]!.c2s))));
    await sleep(1000); // every directory view has every session

    // Each client sends PER_CLIENT numbered messages, one every 20 ms, to three peers in turn.
    const PER_CLIENT = 40;
    const sent = new Map<string, string[]>(); // recipient full JID → bodies
    const sending = chatters.map(async (c, i) => {
      for (let n = 0; n < PER_CLIENT; n++) {
        const peer = chatters[(i + 1 + (n % 3) * 5) % USERS]!;
        const body = `${c.opts.user}#${n}`;
        c.send(chat(peer.fullJid, body));
        (sent.get(peer.fullJid) ?? sent.set(peer.fullJid, []).get(peer.fullJid)!).push(body);
        if (n % 10 === 9 && c.isLive) c.socket.write(`<r xmlns='urn:xmpp:sm:3'/>`);
        await sleep(20);
      }
    });

    // Midway, gateway A dies; its clients resume on B and C as soon as they notice.
    await sleep(350);
    const victims = chatters.filter((c) => home.get(c) === 0);
    await gateways[0]!.proc.kill9();
    const resumptions = victims.map(async (c, k) => {
      await c.closed;
      const answer = await c.resume(gateways[1 + (k % 2)]!.c2s);
      expect(answer.name).toBe('resumed');
    });
    await Promise.all([...sending, ...resumptions]);

    // Everyone asks for acks until the server acknowledged everything they sent.
    await Promise.all(chatters.map(async (c) => {
      await waitFor(async () => {
        await c.requestAck().catch(() => undefined);
        return c.unacked.length === 0;
      }, 20_000, `${c.opts.user}'s messages acknowledged`);
    }));
    // Then every recipient has every message, each once.
    for (const c of chatters) {
      const expected = (sent.get(c.fullJid) ?? []).slice().sort();
      await c.until(() => bodies(c).length >= expected.length, 15_000).catch(() => undefined);
    }
    await sleep(500);
    const duplicates: string[] = [];
    for (const c of chatters) {
      // Only this test's messages: a session of an earlier test left parked with stanzas it never
      // acknowledged hands them to the same full JID's new session (RFC 6120 §7.7.2.2, XEP-0198 §4).
      const got = bodies(c).filter((b) => /^u\d+#\d+$/.test(b));
      const unique = [...new Set(got)].sort();
      expect({ who: c.opts.user, got: unique }).toEqual({ who: c.opts.user, got: (sent.get(c.fullJid) ?? []).slice().sort() }); // nothing lost, nothing extra
      duplicates.push(...got.filter((b, i) => got.indexOf(b) !== i));
    }
    expect(duplicates).toEqual([]); // and nothing twice
  }, 90_000);
});
