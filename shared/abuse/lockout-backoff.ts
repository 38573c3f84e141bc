// Growing lockouts (docs/abuse.md, "Lockout backoff"): when a failed-login rule locks a key out,
// the key's strikes are counted; the n-th lockout lasts blockSeconds × 2^(n−1), at most
// maxBlockSeconds. The strike count lives until backoffResetSeconds after the last lockout ends,
// so a key that stays clean that long starts again at blockSeconds. Strikes are counted with the
// same kind of limiter as the rule (Redis in a fleet), so a repeat offender gets the same lockout
// whichever gateway it hits.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitRule, RuleName } from './policy.js';

/** Makes a limiter under a key prefix (memory alone, or Redis with an insurance limiter). */
export type LimiterFactory = (keyPrefix: string, points: number, durationSeconds: number) => RateLimiterAbstract;

/** Never refuses: it only counts. */
const UNBOUNDED = 1_000_000_000;

/** The length of the n-th lockout (n ≥ 1), in seconds. */
export function lockoutSeconds(rule: LimitRule, strike: number): number {
  const max = rule.maxBlockSeconds ?? 0;
  if (max <= rule.blockSeconds) return rule.blockSeconds;
  return Math.min(max, rule.blockSeconds * 2 ** Math.min(Math.max(strike - 1, 0), 40));
}

export function hasBackoff(rule: LimitRule): boolean {
  return rule.blockSeconds > 0 && (rule.maxBlockSeconds ?? 0) > rule.blockSeconds && (rule.backoffResetSeconds ?? 0) > 0;
}

export class LockoutBackoff {
  private readonly strikes = new Map<string, RateLimiterAbstract>();

  constructor(private readonly makeLimiter: LimiterFactory) {}

  /**
   * `key` just went over `rule` and `limiter` locked it out for blockSeconds: count a strike and
   * lengthen the lockout of a repeat offender. Resolves to the milliseconds the lockout lasts.
   */
  async lockoutBegan(name: RuleName, rule: LimitRule, limiter: RateLimiterAbstract, key: string, msBlocked: number): Promise<number> {
    if (!hasBackoff(rule)) return msBlocked;
    const reset = rule.backoffResetSeconds!;
    try {
      const counted = await this.strikesOf(name, reset).consume(key);
      const strike = counted.consumedPoints;
      const seconds = lockoutSeconds(rule, strike);
      // The strikes are forgotten once the key has stayed clean for `reset` after this lockout.
      await this.strikesOf(name, reset).set(key, strike, seconds + reset);
      if (strike <= 1) return msBlocked;
      await limiter.block(key, seconds);
      return seconds * 1000;
    } catch {
      return msBlocked; // the store failed: the plain lockout stands
    }
  }

  private strikesOf(name: RuleName, resetSeconds: number): RateLimiterAbstract {
    const id = `${name}:${resetSeconds}`;
    let limiter = this.strikes.get(id);
    if (!limiter) {
      for (const other of this.strikes.keys()) if (other.startsWith(`${name}:`)) this.strikes.delete(other);
      limiter = this.makeLimiter(`pampero:abuse:strikes:${name}`, UNBOUNDED, resetSeconds);
      this.strikes.set(id, limiter);
    }
    return limiter;
  }
}
