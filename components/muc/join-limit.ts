// MUC joins per user (docs/abuse.md, issue #9): entering rooms is limited per real bare JID over
// the whole service (config muc.joinsPerMinute / muc.joinBurst), so a bot cannot sweep through
// rooms. XEP-0045 defines no error for it; like the message flood limit (flood-control.ts) the
// join is refused with policy-violation (wait) and nothing of it reaches the room. A second
// session under the same nick, nick changes and presence updates are not joins. Component-local:
// each MUC instance of a fleet counts the joins it serves.
import { UserRateLimit, type UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import type { MucServiceConfig } from './muc-context.js';
import { refuse } from './xml.js';

export const DEFAULT_JOIN_LIMITS: UserRateLimits = { perMinute: 60, burst: 100 };

const limiters = new WeakMap<MucServiceConfig, UserRateLimit>();

function limiterOf(service: MucServiceConfig): UserRateLimit {
  let limiter = limiters.get(service);
  if (!limiter) {
    limiter = new UserRateLimit('muc-joins-per-user', service.joinLimits, (user) => service.log.warn({ event: 'abuse', rule: 'muc-joins-per-user', key: user }, 'join refused: too many rooms entered'));
    limiters.set(service, limiter);
  }
  return limiter;
}

/** Counts a join of `bare`; refuses it (policy-violation) over the limit. */
export function checkJoinRate(service: MucServiceConfig, bare: string): void {
  const limiter = limiterOf(service);
  if (limiter.take(bare, service.now())) return;
  refuse('wait', 'policy-violation', `You are entering rooms too fast; try again in ${limiter.retryAfterSeconds(bare)} s`);
}
