// One ioredis connection for cluster state, set up to fail fast: while Redis is unreachable,
// commands are refused at once (no offline queue) and every command has a deadline, so a node
// never waits on Redis (ARCHITECTURE.md "Isolation"). ioredis reconnects by itself with backoff.
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { instrumentRedis } from './redis-metrics.js';

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** Deadline of one command; 0 for none (a connection that only does blocking reads). */
  commandTimeoutMs?: number;
  /** Name shown by CLIENT LIST, for whoever debugs the fleet. */
  connectionName?: string;
}

/** Reconnect delays: 100 ms, 200 ms, … capped at 2 s, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 2000);
}

export function connectRedis(opts: RedisConnectionOptions): Redis {
  const log = opts.logger.child({ module: 'redis' });
  const redis = new Redis(opts.url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs === 0 ? undefined : (opts.commandTimeoutMs ?? 1000),
    connectTimeout: 2000,
    retryStrategy: reconnectDelay,
    connectionName: opts.connectionName,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis unreachable; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reachable again');
    down = false;
  });
  instrumentRedis(redis, opts.connectionName ?? 'redis'); // pampero_redis_* (docs/metrics.md)
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
