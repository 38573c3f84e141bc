// The Redis side of XEP-0198 resumption anywhere (session-resumption.ts) against a real
// redis-server: the mirror's batches, parking, taking, stanzas for parked sessions, expiry — and a
// rough figure of what the mirror costs per stanza (batched and pipelined, no round trip each).
import type { Redis } from 'ioredis';
import { createLogger } from '../log.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../../test/support/redis.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { SessionRegistry } from './session-registry.js';
import { clusterKeys } from './keys.js';
import { CLIENT_STATE_FIELD, encodeClientState } from './resumed-client-state.js';
import { busDedupId, DRAINING, MIRROR_DEADLINE_MS, PARKED_NODE, SessionResumptionStore, withDedupId } from './session-resumption.js';
import { TcpFaultProxy } from '../../loadtest/faults/tcp-fault-proxy.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;

describeWithRedis('XEP-0198 state in Redis (real redis-server)', () => {
  let server: TestRedis;
  let redis: Redis;
  let gw1: SessionResumptionStore;
  let gw2: SessionResumptionStore;
  let registry: SessionRegistry;
  const logger = createLogger('silent');

  beforeAll(async () => {
    server = await spawnRedis();
    redis = connectRedis({ url: server.url, logger });
    await redisReady(redis);
    gw1 = new SessionResumptionStore(redis, 'gw-1', 5, logger);
    gw2 = new SessionResumptionStore(redis, 'gw-2', 5, logger);
    registry = new SessionRegistry(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(() => redis.flushall());

  const stamp = '2026-01-01T00:00:00.000Z';

  test('what a session was sent and not acknowledged is in Redis, in order, trimmed as the client acks', async () => {
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    for (let i = 1; i <= 4; i++) mirror.sent(stamp, `<message><body>${i}</body></message>`);
    mirror.handled(7);
    await mirror.flush();
    mirror.acknowledged(3, 3);
    await mirror.flush();
    expect(await redis.lrange(clusterKeys.smQueue('alice@d', 'sm1'), 0, -1)).toEqual([`\t${stamp}\t<message><body>4</body></message>`]);
    expect(await redis.hgetall(clusterKeys.smState('alice@d', 'sm1'))).toMatchObject({ node: 'gw-1', session: 'c2s-1', h: '7', acked: '3', timeout: '60000' });
    expect(await redis.smembers(clusterKeys.nodeSm('gw-1'))).toEqual(['alice@d|sm1']);
    mirror.end();
    await mirror.flush();
    expect(await redis.exists(clusterKeys.smState('alice@d', 'sm1'), clusterKeys.smQueue('alice@d', 'sm1'))).toBe(0);
  });

  test('a stanza reaches the client only after its copy is written', async () => {
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    mirror.sent(stamp, '<message/>');
    let written = false;
    mirror.whenDurable(() => (written = true));
    expect(written).toBe(false);
    await mirror.flush();
    expect(written).toBe(true);
    expect(await redis.llen(clusterKeys.smQueue('alice@d', 'sm1'))).toBe(1);
  });

  test('a slow Redis does not hold delivery: past the deadline the stanza goes out and the session resumes only here', async () => {
    const proxy = new TcpFaultProxy(server.port);
    const slowRedis = connectRedis({ url: `redis://127.0.0.1:${await proxy.listen()}`, logger });
    try {
      await redisReady(slowRedis);
      const store = new SessionResumptionStore(slowRedis, 'gw-slow', 5, logger);
      proxy.set({ kind: 'delay', delayMs: 400 });
      const mirror = store.track('erin@d/phone', 'sm9', 'c2s-9', 60_000);
      mirror.sent(stamp, '<message/>');
      const started = performance.now();
      const written = new Promise<number>((resolve) => mirror.whenDurable(() => resolve(performance.now() - started)));
      expect(await written).toBeLessThan(MIRROR_DEADLINE_MS + 300);
      expect(mirror.broken).toBe(true);
      // Broken already: the next stanzas wait for nothing, and keep their order.
      const order: number[] = [];
      const next = performance.now();
      for (const n of [1, 2, 3]) {
        mirror.sent(stamp, `<message><body>${n}</body></message>`);
        await new Promise<void>((resolve) => mirror.whenDurable(() => (order.push(n), resolve())));
      }
      expect(order).toEqual([1, 2, 3]);
      expect(performance.now() - next).toBeLessThan(MIRROR_DEADLINE_MS);
    } finally {
      slowRedis.disconnect();
      await proxy.close();
    }
  });

  test('a parked session is taken by another gateway with its counters, its queue and the stanzas that came meanwhile', async () => {
    await registry.put('alice@d/phone', { nodeId: 'gw-1', sessionId: 'c2s-1', available: true, priority: 5, presenceXml: '<presence/>' });
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    mirror.sent(stamp, '<message><body>1</body></message>');
    mirror.handled(2);
    const parked = await gw1.park('alice@d', 'sm1', 'alice@d/phone');
    expect(parked).toMatchObject({ sessionId: 'c2s-1', rest: '1|5|<presence/>' });
    // The directory now says "parked": stanzas go to the list, by whichever node routes them.
    expect(await registry.get('alice@d/phone')).toMatchObject({ nodeId: PARKED_NODE, sessionId: 'sm1', available: true, priority: 5 });
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message><body>2</body></message>')).toBe('ok');
    // A gateway that no longer holds it cannot write to it any more.
    mirror.sent(stamp, '<message><body>lost</body></message>');
    await mirror.flush();

    const taken = await gw2.take('alice@d', 'sm1', 'c2s-9');
    expect(taken).toEqual({
      kind: 'taken',
      session: {
        fullJid: 'alice@d/phone', inbound: 2, acked: 0, timeoutMs: 60_000, available: true, priority: 5, presenceXml: '<presence/>',
        items: [{ stamp, xml: '<message><body>1</body></message>' }, { stamp, xml: '<message><body>2</body></message>' }],
        clientState: { carbons: false, inactive: false },
      },
    });
    expect(await gw2.take('alice@d', 'sm1', 'c2s-10')).toEqual({ kind: 'held', nodeId: 'gw-2' });
    expect(await gw1.appendParked('alice@d/phone', 'sm1', stamp, '<message/>')).toEqual({ nodeId: 'gw-2' });
    expect(await gw2.take('bob@d', 'sm1', 'c2s-11')).toEqual({ kind: 'gone' }); // another user's view of the id: nothing
  });

  test('carbons and CSI go with a parked session to the gateway that takes it, and only its holder changes them', async () => {
    const mirror = gw1.track('carol@d/phone', 'sm2', 'c2s-1', 60_000);
    mirror.clientState({ carbons: true, inactive: false }); // in the same batch as the record's creation
    await mirror.flush();
    mirror.clientState({ carbons: true, inactive: true });
    await mirror.flush();
    expect(await redis.hget(clusterKeys.smState('carol@d', 'sm2'), CLIENT_STATE_FIELD)).toBe(encodeClientState({ carbons: true, inactive: true }));
    await gw1.park('carol@d', 'sm2', 'carol@d/phone');
    mirror.clientState({ carbons: false, inactive: false }); // no longer gw-1's to write
    await mirror.flush();
    const taken = await gw2.take('carol@d', 'sm2', 'c2s-2');
    expect(taken.kind === 'taken' && taken.session.clientState).toEqual({ carbons: true, inactive: true });

    // A record written by the previous release has no such field: active, without carbons, as that release resumed.
    await redis.hset(clusterKeys.smState('dave@d', 'sm3'), { node: '', session: 'c2s-3', jid: 'dave@d/r', h: 0, acked: 0, timeout: 60_000 });
    const older = await gw2.take('dave@d', 'sm3', 'c2s-4');
    expect(older.kind === 'taken' && older.session.clientState).toEqual({ carbons: false, inactive: false });
  });

  test('a parked list is bounded by the SM queue bound, and a stanza a dead node had appended is not appended twice', async () => {
    gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    await gw1.flush();
    await gw1.park('alice@d', 'sm1', 'alice@d/phone');
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<a/>', '1-1')).toBe('ok');
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<a/>', '1-1')).toBe('dup');
    for (let i = 2; i <= 5; i++) expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<a/>')).toBe('ok');
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<a/>')).toBe('full');
  });

  test("a dead node's sessions are parked by whoever reaps it, and a dedup id goes with the stanza", async () => {
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    withDedupId('77-0', () => mirror.sent(stamp, '<message/>'));
    await mirror.flush();
    expect(await gw2.sessionsOf('gw-1')).toEqual([{ bare: 'alice@d', smId: 'sm1', fullJid: 'alice@d/phone' }]);
    expect(await gw2.park('alice@d', 'sm1', 'alice@d/phone', 'gw-1')).toBeDefined();
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message/>', '77-0')).toBe('dup');
    expect(await redis.smembers(clusterKeys.nodeSm('gw-1'))).toEqual([]);
  });

  test('entries of two inboxes with the same stream id are different stanzas: a parked list keeps both', async () => {
    // Stream ids are `ms-seq` per stream: gw-0 and gw-1 both made 77-0. The session moved from gw-0
    // to gw-1 with gw-0's stanza unacknowledged; gw-1 died, and its reaper drains gw-1's 77-0.
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    withDedupId(busDedupId('gw-0', '77-0'), () => mirror.sent(stamp, '<message><body>via gw-0</body></message>'));
    await mirror.flush();
    await gw2.park('alice@d', 'sm1', 'alice@d/phone', 'gw-1');
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message><body>via gw-1</body></message>', busDedupId('gw-1', '77-0'))).toBe('ok');
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message><body>via gw-0</body></message>', busDedupId('gw-0', '77-0'))).toBe('dup');
    expect((await redis.lrange(clusterKeys.smQueue('alice@d', 'sm1'), 0, -1)).map((item) => item.split('\t')[2])).toEqual([
      '<message><body>via gw-0</body></message>',
      '<message><body>via gw-1</body></message>',
    ]);
  });

  test("a dead node's session cannot be taken while its inbox is drained, only appended to", async () => {
    gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    await gw1.flush();
    await gw2.park('alice@d', 'sm1', 'alice@d/phone', 'gw-1', DRAINING);
    expect(await gw2.take('alice@d', 'sm1', 'c2s-9')).toEqual({ kind: 'held', nodeId: DRAINING });
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message/>', '5-0')).toBe('ok');
    await gw2.open('alice@d', 'sm1');
    expect(await gw2.take('alice@d', 'sm1', 'c2s-9')).toMatchObject({ kind: 'taken', session: { items: [{ stamp, xml: '<message/>' }] } });
  });

  test('a node reaped while stuck takes its parked session back: its live state rewritten, what was appended meanwhile returned', async () => {
    await registry.put('alice@d/phone', { nodeId: 'gw-1', sessionId: 'c2s-1', available: true, priority: 0 });
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    mirror.sent(stamp, '<message><body>1</body></message>');
    mirror.sent(stamp, '<message><body>2</body></message>');
    await mirror.flush();
    // gw-1 froze; gw-2 reaped it: the session parked, a drained stanza appended.
    await gw2.park('alice@d', 'sm1', 'alice@d/phone', 'gw-1', DRAINING);
    expect(await gw2.appendParked('alice@d/phone', 'sm1', stamp, '<message><body>3</body></message>', '9-0')).toBe('ok');
    // gw-1 runs again; its client had acknowledged 1 meanwhile (a write that found the session parked).
    const live = [`\t${stamp}\t<message><body>2</body></message>`];
    expect(await gw1.reclaim('alice@d/phone', 'sm1', 'c2s-1', 4, 1, live)).toEqual({ kind: 'ok', appended: [`9-0\t${stamp}\t<message><body>3</body></message>`] });
    expect(await redis.lrange(clusterKeys.smQueue('alice@d', 'sm1'), 0, -1)).toEqual(live);
    expect(await redis.hgetall(clusterKeys.smState('alice@d', 'sm1'))).toMatchObject({ node: 'gw-1', session: 'c2s-1', h: '4', acked: '1' });
    expect(await registry.get('alice@d/phone')).toMatchObject({ nodeId: 'gw-1', sessionId: 'c2s-1' });
    expect(await redis.zrange(clusterKeys.smParked, 0, -1)).toEqual([]);
    expect(await redis.smembers(clusterKeys.nodeSm('gw-1'))).toEqual(['alice@d|sm1']);
    // Its own again: the mirror writes go on, and nobody may take it.
    mirror.sent(stamp, '<message><body>4</body></message>');
    await mirror.flush();
    expect(await redis.llen(clusterKeys.smQueue('alice@d', 'sm1'))).toBe(2);
    expect(await gw2.take('alice@d', 'sm1', 'c2s-9')).toEqual({ kind: 'held', nodeId: 'gw-1' });
  });

  test('a session its client resumed elsewhere meanwhile, or that ended parked, is not taken back', async () => {
    gw1.track('alice@d/phone', 'sm1', 'c2s-1', 60_000);
    gw1.track('bob@d/phone', 'sm2', 'c2s-2', 60_000);
    await gw1.flush();
    await gw2.park('alice@d', 'sm1', 'alice@d/phone', 'gw-1');
    await gw2.park('bob@d', 'sm2', 'bob@d/phone', 'gw-1');
    await gw2.take('alice@d', 'sm1', 'c2s-9');
    await gw2.endParked('bob@d', 'sm2');
    expect(await gw1.reclaim('alice@d/phone', 'sm1', 'c2s-1', 0, 0, [])).toEqual({ kind: 'held', nodeId: 'gw-2' });
    expect(await gw1.reclaim('bob@d/phone', 'sm2', 'c2s-2', 0, 0, [])).toEqual({ kind: 'gone' });
    // Never parked (the reaper only reaped its plain sessions): left as it is.
    gw1.track('carol@d/phone', 'sm3', 'c2s-3', 60_000);
    await gw1.flush();
    expect(await gw1.reclaim('carol@d/phone', 'sm3', 'c2s-3', 0, 0, [])).toEqual({ kind: 'held', nodeId: 'gw-1' });
  });

  test('a parked session past its deadline is ended once, with what it never acknowledged', async () => {
    await registry.put('alice@d/phone', { nodeId: 'gw-1', sessionId: 'c2s-1', available: true, priority: 0 });
    const mirror = gw1.track('alice@d/phone', 'sm1', 'c2s-1', 0);
    mirror.sent(stamp, '<message><body>1</body></message>');
    await gw1.park('alice@d', 'sm1', 'alice@d/phone');
    const claims = await Promise.all([gw1.claimExpired(Date.now() + 1), gw2.claimExpired(Date.now() + 1)]);
    expect(claims.flat()).toEqual([{ bare: 'alice@d', smId: 'sm1' }]);
    const ended = await gw2.endParked('alice@d', 'sm1');
    expect(ended).toMatchObject({ fullJid: 'alice@d/phone', wasListed: true, items: [{ stamp, xml: '<message><body>1</body></message>' }] });
    expect(await registry.get('alice@d/phone')).toBeUndefined();
    expect(await gw2.endParked('alice@d', 'sm1')).toBeUndefined();
  });

  test('microbenchmark: mirroring costs no round trip per stanza', async () => {
    const store = new SessionResumptionStore(redis, 'gw-bench', 5000, logger);
    const sessions = Array.from({ length: 200 }, (_, i) => store.track(`u${i}@d/r`, `sm${i}`, `c${i}`, 60_000));
    await store.flush();
    const xml = `<message to='u@d/r' from='v@d/r' type='chat' id='x'><body>${'x'.repeat(100)}</body></message>`;
    const stanzas = 20_000;
    const started = performance.now();
    for (let i = 0; i < stanzas; i++) {
      sessions[i % sessions.length]!.sent(stamp, xml);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r)); // event-loop turns as under traffic
    }
    await store.flush();
    const ms = performance.now() - started;
    const perSecond = Math.round(stanzas / (ms / 1000));
    // The same writes, one awaited round trip each (what the batching avoids), on a sample.
    const serialStarted = performance.now();
    for (let i = 0; i < 1000; i++) {
      sessions[i % sessions.length]!.sent(stamp, xml);
      await store.flush();
    }
    const serialPerSecond = Math.round(1000 / ((performance.now() - serialStarted) / 1000));
    console.log(`mirror: ${stanzas} stanzas over ${sessions.length} sessions in ${ms.toFixed(0)} ms (${perSecond}/s batched per turn; ${serialPerSecond}/s with a round trip each)`);
    expect(await redis.llen(clusterKeys.smQueue('u0@d', 'sm0'))).toBe((stanzas + 1000) / sessions.length);
    expect(perSecond).toBeGreaterThan(2000); // a round trip each would be far below on a loaded machine, and it is far above
  });
});
