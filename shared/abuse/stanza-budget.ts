// The `stanzas-per-session` rule on the hot path: a token bucket per session, in memory, refilled
// at points/duration from the rule applied now (so a policy change reaches running sessions at
// their next stanza). Over budget, a `delay` rule lets the excess wait (at most half a duration's
// worth of stanzas), then refuses; a `refuse` rule refuses at once. No I/O, no allocation.
import type { AbuseGuard } from './abuse-guard.js';

/** take() results besides a delay in ms: */
export const PASS = 0;
export const REFUSE = -1;

export class StanzaBudget {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly guard: AbuseGuard, private readonly key: string) {
    this.tokens = guard.policy.rules['stanzas-per-session'].points;
  }

  /** PASS, REFUSE, or the milliseconds the stanza should wait. */
  take(): number {
    const rule = this.guard.policy.rules['stanzas-per-session'];
    if (!rule.enabled) return PASS;
    const now = performance.now();
    const perMs = rule.points / (Math.max(rule.durationSeconds, 0.001) * 1000);
    this.tokens = Math.min(rule.points, this.tokens + (now - this.last) * perMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return PASS;
    }
    const maxDebt = rule.action === 'delay' ? Math.max(1, rule.points / 2) : 0;
    if (this.tokens - 1 < -maxDebt) {
      this.guard.events.refused('stanzas-per-session', this.key);
      return REFUSE;
    }
    this.tokens -= 1;
    return Math.ceil(-this.tokens / perMs) || 1; // until the debt is paid back
  }
}
