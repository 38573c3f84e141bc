// Per-user limits that components apply themselves (docs/abuse.md): MUC joins per user
// (components/muc/join-limit.ts) and PubSub publishes per user (components/pubsub/publish-limit.ts).
// A token bucket per bare JID in the component's memory, refilled at `perMinute` up to `burst`;
// no I/O. Bounded: at most `maxUsers` buckets (full ones, which mean nothing, are dropped first,
// then the oldest). Refusals are counted in pampero_component_limit_refusals_total{rule} and logged,
// at most once per rule and user every 10 s. In a fleet the same limits are counted in Redis
// instead (fleet-user-rate-limit.ts); both are a `PerUserLimit`.
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

export interface UserRateLimits {
  /** Actions per minute, sustained; 0 turns the limit off. */
  perMinute: number;
  /** Actions at once after a quiet time. */
  burst: number;
}

/** What a component asks: may `user` act now? */
export interface PerUserLimit {
  /** Takes one action of `user`: undefined when allowed, else the seconds until they may act again. */
  check(user: string, now: number): number | undefined | Promise<number | undefined>;
}

const refusals = new Counter({
  name: 'pampero_component_limit_refusals_total',
  help: 'Actions a component refused under a per-user limit (muc-joins-per-user, pubsub-publishes-per-user)',
  labelNames: ['rule'] as const,
  registers: [metricsRegistry],
});

interface Bucket {
  tokens: number;
  at: number;
}

const LOG_INTERVAL_MS = 10_000;

/** A refusal counted in the metric, and told to `onRefused` at most once per user every 10 s. */
export class RefusalLog {
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly rule: string, private readonly onRefused?: (user: string) => void) {}

  refused(user: string, now: number): void {
    refusals.inc({ rule: this.rule });
    const last = this.lastLogged.get(user);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
    if (this.lastLogged.size >= 10_000) this.lastLogged.clear();
    this.lastLogged.set(user, now);
    this.onRefused?.(user);
  }
}

export class UserRateLimit implements PerUserLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly log: RefusalLog;

  constructor(
    readonly rule: string,
    private readonly limits: UserRateLimits,
    private readonly onRefused?: (user: string) => void,
    private readonly maxUsers = 100_000,
  ) {
    this.log = new RefusalLog(rule, onRefused);
  }

  check(user: string, now: number): number | undefined {
    return this.take(user, now) ? undefined : this.retryAfterSeconds(user);
  }

  /** Takes one action of `user`: true when allowed, false (counted) when over the limit. */
  take(user: string, now: number): boolean {
    const { perMinute, burst } = this.limits;
    if (perMinute <= 0) return true;
    let bucket = this.buckets.get(user);
    if (!bucket) {
      if (this.buckets.size >= this.maxUsers) this.prune(now);
      bucket = { tokens: burst, at: now };
      this.buckets.set(user, bucket);
    }
    this.refill(bucket, now);
    if (bucket.tokens < 1) {
      this.log.refused(user, now);
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until `user` may act again (at least 1). */
  retryAfterSeconds(user: string): number {
    const bucket = this.buckets.get(user);
    if (!bucket || this.limits.perMinute <= 0) return 1;
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.limits.perMinute));
  }

  private refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.limits.perMinute);
    bucket.at = now;
  }

  private prune(now: number): void {
    for (const [user, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.limits.burst) this.buckets.delete(user);
    }
    while (this.buckets.size >= this.maxUsers) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
