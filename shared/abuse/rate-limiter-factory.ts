// The one way Pampero builds a rate-limiter-flexible limiter (docs/abuse.md, "One node and a
// fleet"): in memory on one node; with the fleet's Redis a RateLimiterRedis whose in-memory
// insurance limiter takes over, per node, while Redis does not answer (the connection has no
// offline queue and a command deadline, shared/cluster/redis-connection.ts, so no check waits).
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LimiterOptions {
  /** Redis keys are `keyPrefix:key`. */
  keyPrefix: string;
  points: number;
  /** Window, whole seconds. */
  duration: number;
  /** Seconds a key over budget stays refused; 0: until the window ends. */
  blockDuration: number;
}

export function rateLimiterFor(options: LimiterOptions, redis: Redis | undefined): RateLimiterAbstract {
  const memory = new RateLimiterMemory(options);
  if (!redis) return memory;
  return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory });
}
