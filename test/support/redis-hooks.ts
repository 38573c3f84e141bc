// A real redis-server for the Redis-backed unit tests (shared/cluster/*.test.ts): one per describe
// block, started before its tests and stopped after them; the block is skipped where redis-server
// is not installed (scripts/test-setup.sh installs it).
import type { Redis } from 'ioredis';
import { createLogger } from '../../shared/log.js';
import { connectRedis, redisReady } from '../../shared/cluster/redis-connection.js';
import { hasRedisServer, spawnRedis, type TestRedis } from './redis.js';

/** `describe`, or `describe.skip` without redis-server. */
export const describeWithRedis = hasRedisServer() ? describe : describe.skip;

/** Set once the block's tests start (read it inside tests and hooks, not while declaring them). */
export interface RedisForTests {
  server: TestRedis;
  /** One connection to it (connectRedis, silent logs), emptied (FLUSHALL) before each test. */
  redis: Redis;
}

/** A redis-server for the tests of the enclosing describe block. */
export function useRedisServer(): Pick<RedisForTests, 'server'> {
  const handle = {} as Pick<RedisForTests, 'server'>;
  beforeAll(async () => {
    handle.server = await spawnRedis();
  });
  afterAll(() => handle.server?.stop());
  return handle;
}

/** A redis-server and one connection to it, empty at the start of each test of the enclosing describe block. */
export function useRedisConnection(): RedisForTests {
  const handle = {} as RedisForTests;
  beforeAll(async () => {
    handle.server = await spawnRedis();
    handle.redis = connectRedis({ url: handle.server.url, logger: createLogger('silent') });
    await redisReady(handle.redis);
  });
  afterAll(async () => {
    handle.redis?.disconnect();
    await handle.server?.stop();
  });
  beforeEach(() => handle.redis.flushall());
  return handle;
}
