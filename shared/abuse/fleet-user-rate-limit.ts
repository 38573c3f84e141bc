// A component's per-user limit counted across the fleet (docs/abuse.md, "One node and a fleet"):
// MUC joins and PubSub publishes per user, with every instance of the service counting in the
// fleet's Redis, so a user has one budget whichever instance serves the room or node. A
// rate-limiter-flexible limiter from rate-limiter-factory.ts: RateLimiterRedis (keys
// `pampero:abuse:RULE:SERVICE:BARE-JID`) with an in-memory insurance limiter that counts on its
// own, per instance, while Redis does not answer; if even that fails the action is let through.
//
// The memory limit (user-rate-limit.ts) is a token bucket; rate-limiter-flexible counts windows,
// so here the bucket becomes a window of `burst` actions per burst/perMinute minutes (whole
// seconds, at least one): the same burst and, on average, the same sustained rate.
import type { Redis } from 'ioredis';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { connectRedis } from '../cluster/redis-connection.js';
import { rateLimiterFor } from './rate-limiter-factory.js';
import { RefusalLog, type PerUserLimit, type UserRateLimits } from './user-rate-limit.js';

/** The window that stands for a token bucket of `limits`. */
export function windowOf(limits: UserRateLimits): { points: number; duration: number } {
  const points = Math.max(1, Math.floor(limits.burst));
  return { points, duration: Math.max(1, Math.round((points * 60) / limits.perMinute)) };
}

export class FleetUserRateLimit implements PerUserLimit {
  private readonly limiter: RateLimiterAbstract | undefined;
  private readonly log: RefusalLog;

  /** `service`: the component's domain, so two services on one Redis keep their own budgets. */
  constructor(rule: string, service: string, limits: UserRateLimits, redis: Redis, onRefused?: (user: string) => void) {
    this.log = new RefusalLog(rule, onRefused);
    if (limits.perMinute > 0) this.limiter = rateLimiterFor({ keyPrefix: `pampero:abuse:${rule}:${service}`, ...windowOf(limits), blockDuration: 0 }, redis);
  }

  async check(user: string, now: number): Promise<number | undefined> {
    if (!this.limiter) return undefined;
    try {
      await this.limiter.consume(user);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return undefined; // Redis and the insurance both failed: let it through
      this.log.refused(user, now);
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }
}

/**
 * A component role's per-user limit in a fleet (`cluster.redisUrl` set): counted in Redis on a
 * connection of its own; undefined without Redis (the component then counts in its own memory).
 */
export function connectFleetUserLimit(redisUrl: string | undefined, rule: string, service: string, limits: UserRateLimits, logger: Logger, onRefused?: (user: string) => void): { limit: PerUserLimit; close(): void } | undefined {
  if (!redisUrl) return undefined;
  const redis = connectRedis({ url: redisUrl, logger, connectionName: `abuse-${rule}` });
  return { limit: new FleetUserRateLimit(rule, service, limits, redis, onRefused), close: () => redis.disconnect() };
}
