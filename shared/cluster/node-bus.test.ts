// The durable bus between nodes against a real redis-server.
import { createLogger } from '../log.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { BUS_PROTOCOL_VERSION, NodeBus, type BusEntry } from './node-bus.js';
import { clusterKeys } from './keys.js';
import { describeWithRedis, useRedisConnection } from '../../test/support/redis-hooks.js';

const logger = createLogger('silent');

function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out'));
      setTimeout(poll, 10);
    };
    poll();
  });
}

describeWithRedis('node bus (real redis-server)', () => {
  const db = useRedisConnection();
  const buses: NodeBus[] = [];
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.stop();
  });

  async function startBus(nodeId: string, onEntry: (e: BusEntry) => void, maxInboxEntries = 1000): Promise<NodeBus> {
    const reader = connectRedis({ url: db.server.url, logger, commandTimeoutMs: 0 });
    await redisReady(reader);
    const bus = new NodeBus({ nodeId, redis: db.redis, reader, maxInboxEntries, onEntry, logger });
    await bus.start();
    buses.push(bus);
    return bus;
  }

  test('an entry sent to a node reaches it with kind, body, sender and version', async () => {
    const received: BusEntry[] = [];
    await startBus('b', (e) => received.push(e));
    const a = await startBus('a', () => undefined);
    expect(await a.send('b', 'stanza', '<message to="x@y"/>')).toBe('queued');
    await waitFor(() => received.length === 1);
    expect(received[0]).toMatchObject({ kind: 'stanza', body: '<message to="x@y"/>', fromNode: 'a', version: BUS_PROTOCOL_VERSION });
  });

  test('entries keep their order', async () => {
    const bodies: string[] = [];
    await startBus('b', (e) => bodies.push(e.body));
    const a = await startBus('a', () => undefined);
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.send('b', 'stanza', String(i))));
    await waitFor(() => bodies.length === 200);
    expect(bodies).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  });

  test('an acknowledged entry is gone from the inbox; an unacknowledged one is delivered again after a restart, then new ones', async () => {
    const first: BusEntry[] = [];
    const b1 = await startBus('b', (e) => first.push(e));
    const a = await startBus('a', () => undefined);
    await a.send('b', 'stanza', 'acked');
    await a.send('b', 'stanza', 'not acked');
    await waitFor(() => first.length === 2);
    await b1.ack(first[0]!.id);
    await b1.stop();
    buses.splice(buses.indexOf(b1), 1);

    const again: BusEntry[] = [];
    await startBus('b', (e) => again.push(e));

    await waitFor(() => again.length === 1);
    expect(again[0]!.body).toBe('not acked');
    expect(await db.redis.xlen(clusterKeys.inbox('b'))).toBe(1);
    // Regression: after the pending ones, a restarted node reads new entries again.
    expect(await a.send('b', 'stanza', 'new after the restart')).toBe('queued');
    await waitFor(() => again.length === 2);
    expect(again[1]!.body).toBe('new after the restart');
  });

  test('a node that left closes its inbox: senders are told it is gone until it starts again', async () => {
    const b = await startBus('b', () => undefined);
    const a = await startBus('a', () => undefined);
    await b.stop();
    buses.splice(buses.indexOf(b), 1);
    expect(await a.send('b', 'stanza', 'after it left')).toBe('gone');
    expect(await db.redis.xlen(clusterKeys.inbox('b'))).toBe(0);
    const received: BusEntry[] = [];
    await startBus('b', (e) => received.push(e));
    expect(await a.send('b', 'stanza', 'back')).toBe('queued');
    await waitFor(() => received.length === 1);
    expect(received[0]!.body).toBe('back');
  });

  test('a stopping node ends its blocking read cleanly; what reached its inbox after the last read waits for its next start', async () => {
    const received: BusEntry[] = [];
    const reader = connectRedis({ url: db.server.url, logger, commandTimeoutMs: 0 });
    await redisReady(reader);
    const b = new NodeBus({ nodeId: 'b', redis: db.redis, reader, maxInboxEntries: 100, onEntry: (e) => received.push(e), logger });
    await b.start();
    const a = await startBus('a', () => undefined);
    expect(await a.send('b', 'stanza', 'read')).toBe('queued');
    await waitFor(() => received.length === 1);
    // A sender that had not seen b leave writes just as b stops reading (the same connection as b's
    // commands, so it lands before b closes its inbox).
    const disconnect = reader.disconnect.bind(reader);
    reader.disconnect = () => {
      disconnect();
      void db.redis.xadd(clusterKeys.inbox('b'), '*', 'v', String(BUS_PROTOCOL_VERSION), 'k', 'stanza', 'f', 'a', 'b', 'late');
    };
    await b.stop();
    expect(received.map((e) => e.body)).toEqual(['read']); // not handed on by the stopping node
    expect(await a.send('b', 'stanza', 'after close')).toBe('gone');
    const again: BusEntry[] = [];
    await startBus('b', (e) => again.push(e));
    await waitFor(() => again.length === 2);
    expect(again.map((e) => e.body)).toEqual(['read', 'late']); // 'read' was never acknowledged: it comes again too
  });

  test('a full inbox refuses entries instead of dropping older ones', async () => {
    const a = await startBus('a', () => undefined);
    await db.redis.xgroup('CREATE', clusterKeys.inbox('slow'), 'pampero', '0', 'MKSTREAM');
    expect(await a.send('slow', 'stanza', '1')).toBe('queued');
    expect(await a.send('slow', 'stanza', '2')).toBe('queued');
    const small = new NodeBus({ nodeId: 'a2', redis: db.redis, reader: connectRedis({ url: db.server.url, logger }), maxInboxEntries: 2, onEntry: () => undefined, logger });
    expect(await small.send('slow', 'stanza', '3')).toBe('full');
    expect(await db.redis.xlen(clusterKeys.inbox('slow'))).toBe(2);
    await small.stop();
  });

  test('entries of an unknown protocol version are dropped, not handed on', async () => {
    const received: BusEntry[] = [];
    await startBus('b', (e) => received.push(e));
    await db.redis.xadd(clusterKeys.inbox('b'), '*', 'v', String(BUS_PROTOCOL_VERSION + 5), 'k', 'stanza', 'f', 'future', 'b', 'x');
    await db.redis.xadd(clusterKeys.inbox('b'), '*', 'v', String(BUS_PROTOCOL_VERSION - 1), 'k', 'stanza', 'f', 'old', 'b', 'y');
    await waitFor(() => received.length === 1);
    expect(received[0]!.fromNode).toBe('old');
    await waitFor(() => false, 100).catch(() => undefined);
    expect(received).toHaveLength(1);
  });

  test('send reports unreachable instead of throwing when Redis is gone', async () => {
    const lost = connectRedis({ url: 'redis://127.0.0.1:1', logger });
    const bus = new NodeBus({ nodeId: 'x', redis: lost, reader: connectRedis({ url: 'redis://127.0.0.1:1', logger }), maxInboxEntries: 10, onEntry: () => undefined, logger });
    expect(await bus.send('b', 'stanza', 'x')).toBe('unreachable');
    lost.disconnect();
    await bus.stop();
  });
});
