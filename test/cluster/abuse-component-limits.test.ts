// MUC joins and PubSub publishes per user counted across a fleet's instances (docs/abuse.md, "One
// node and a fleet"): two MUC and two PubSub instances (`pampero start --role muc|pubsub`, run
// in-process) attached to one server for one domain each, sharing a spawned Redis. The router
// spreads rooms and nodes over the instances; a user (@xmpp/client) still has one budget.
import { client, xml } from '@xmpp/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { startComponentRole, type RunningComponentRole } from '../../cli/component-roles.js';
import { configFromObject } from '../../shared/config/index.js';
import { FleetUserRateLimit } from '../../shared/abuse/fleet-user-rate-limit.js';
import { connectRedis } from '../../shared/cluster/redis-connection.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const BURST = 3;
const ATTEMPTS = 12;

describeWithRedis('per-user component limits across instances sharing Redis', () => {
  let redis: TestRedis;
  let server: TestServer;
  const instances: RunningComponentRole[] = [];
  const dirs: string[] = [];
  /** Abuse log lines of each instance, by instance name. */
  const refusalLogs = new Map<string, string[]>();
  let xmpp: ReturnType<typeof client>;

  async function startInstance(role: 'muc' | 'pubsub', name: string, domain: string): Promise<void> {
    const dataDir = await mkdtemp(join(tmpdir(), `pampero-${name}-`));
    dirs.push(dataDir);
    const lines: string[] = [];
    refusalLogs.set(name, lines);
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const config = configFromObject({
      dataDir,
      domain: server.domain,
      http: { port: 0 },
      component: { service: `xmpp://127.0.0.1:${server.componentPort}`, domain, secret: 'limits-secret' },
      cluster: { redisUrl: redis.url, nodeId: name, heartbeatSeconds: 1 },
      muc: { joinsPerMinute: 1, joinBurst: BURST },
      pubsub: { publishesPerMinute: 1, publishBurst: BURST },
    });
    instances.push(await startComponentRole(role, config, logger as never));
  }

  beforeAll(async () => {
    redis = await spawnRedis();
    server = await startTestServer();
    await server.addUser('alice', 'alice-pw');
    for (const domain of [`rooms.${server.domain}`, `nodes.${server.domain}`]) await server.addComponent(domain, 'limits-secret');
    await startInstance('muc', 'muc-a', `rooms.${server.domain}`);
    await startInstance('muc', 'muc-b', `rooms.${server.domain}`);
    await startInstance('pubsub', 'pubsub-a', `nodes.${server.domain}`);
    await startInstance('pubsub', 'pubsub-b', `nodes.${server.domain}`);
    xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: 'fleet', username: 'alice', password: 'alice-pw' });
    xmpp.on('error', () => {});
    await xmpp.start();
  }, 60_000);

  afterAll(async () => {
    await xmpp?.stop().catch(() => {});
    for (const instance of instances.reverse()) await instance.stop().catch(() => {});
    await server?.stop();
    await redis?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  function answerTo(match: (el: any) => boolean): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 8000);
      const listener = (el: any) => {
        if (!match(el)) return;
        clearTimeout(timer);
        xmpp.off('stanza', listener);
        resolve(el);
      };
      xmpp.on('stanza', listener);
    });
  }

  test('a user entering rooms spread over two MUC instances has one budget of joins', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const occupant = `room${i}@rooms.${server.domain}/alice`;
      const answer = answerTo((el) => el.is('presence') && el.attrs.from === occupant);
      await xmpp.send(xml('presence', { to: occupant }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
      const el = await answer;
      outcomes.push(el.attrs.type === 'error' ? el.getChild('error')!.children[0].name : 'entered');
    }
    expect(outcomes.filter((o) => o === 'entered')).toHaveLength(BURST);
    expect(outcomes.filter((o) => o === 'policy-violation')).toHaveLength(ATTEMPTS - BURST);
    // Both instances served joins over the budget: each refused (and logged) some.
    for (const name of ['muc-a', 'muc-b']) expect(refusalLogs.get(name)!.join('')).toContain('muc-joins-per-user');
  });

  test('a user publishing to nodes spread over two PubSub instances has one budget of publishes', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const id = `publish-${i}`;
      const answer = answerTo((el) => el.is('iq') && el.attrs.id === id);
      await xmpp.send(xml('iq', { type: 'set', to: `nodes.${server.domain}`, id },
        xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('publish', { node: `node-${i}` }, xml('item', { id: 'x' }, xml('entry', { xmlns: 'urn:example:test' }, `item ${i}`))))));
      const el = await answer;
      outcomes.push(el.attrs.type === 'result' ? 'published' : el.getChild('error')!.children[0].name);
    }
    expect(outcomes.filter((o) => o === 'published')).toHaveLength(BURST);
    expect(outcomes.filter((o) => o === 'policy-violation')).toHaveLength(ATTEMPTS - BURST);
    for (const name of ['pubsub-a', 'pubsub-b']) expect(refusalLogs.get(name)!.join('')).toContain('pubsub-publishes-per-user');
  });

  test('while Redis is away each instance counts on its own (insurance limiter) and answers at once', async () => {
    const own = await spawnRedis();
    const logger = pino({ level: 'silent' });
    const connections = [connectRedis({ url: own.url, logger }), connectRedis({ url: own.url, logger })];
    const [a, b] = connections.map((c) => new FleetUserRateLimit('test-rule', 'svc', { perMinute: 1, burst: 2 }, c));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([await a!.check('u', Date.now()), await b!.check('u', Date.now())]).toEqual([undefined, undefined]);
      expect(await a!.check('u', Date.now())).toBeGreaterThan(0); // shared: the third is refused
      await own.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      // Each instance now has its own in-memory budget of two.
      expect([await a!.check('v', Date.now()), await a!.check('v', Date.now()), await b!.check('v', Date.now())]).toEqual([undefined, undefined, undefined]);
      expect(await a!.check('v', Date.now())).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const c of connections) c.disconnect();
    }
  });
});
