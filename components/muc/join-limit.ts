// MUC joins per user (docs/abuse.md, issue #9): entering rooms is limited per real bare JID over
// the whole service (config muc.joinsPerMinute / muc.joinBurst), so a bot cannot sweep through
// rooms. XEP-0045 defines no error for it; like the message flood limit (flood-control.ts) the
// join is refused with policy-violation (wait) and nothing of it reaches the room. A second
// session under the same nick, nick changes and presence updates are not joins. In memory by
// default; a fleet's MUC role passes `joinLimiter`, counted in Redis across its instances.
import { UserRateLimit, type PerUserLimit, type UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import type { MucServiceConfig } from './muc-context.js';
import { refuse } from './xml.js';

export const DEFAULT_JOIN_LIMITS: UserRateLimits = { perMinute: 60, burst: 100 };

const limiters = new WeakMap<MucServiceConfig, PerUserLimit>();

/** The log line of a refused join (at most one per user every 10 s). */
export function joinRefusedLogger(log: MucServiceConfig['log']): (user: string) => void {
  return (user) => log.warn({ event: 'abuse', rule: 'muc-joins-per-user', key: user }, 'join refused: too many rooms entered');
}

function limiterOf(service: MucServiceConfig): PerUserLimit {
  if (service.joinLimiter) return service.joinLimiter;
  let limiter = limiters.get(service);
  if (!limiter) {
    limiter = new UserRateLimit('muc-joins-per-user', service.joinLimits, joinRefusedLogger(service.log));
    limiters.set(service, limiter);
  }
  return limiter;
}

/** Counts a join of `bare`; refuses it (policy-violation) over the limit. */
export async function checkJoinRate(service: MucServiceConfig, bare: string): Promise<void> {
  const retryAfter = await limiterOf(service).check(bare, service.now());
  if (retryAfter === undefined) return;
  refuse('wait', 'policy-violation', `You are entering rooms too fast; try again in ${retryAfter} s`);
}
