// PubSub publishes per user (docs/abuse.md, issue #9): items one bare JID may publish per minute
// over every node of the service, PEP included (config pubsub.publishesPerMinute /
// pubsub.publishBurst). XEP-0060 has no condition for it; the publish is refused with
// policy-violation (wait), as the MUC's flood limit does, before anything is stored or notified.
// In memory by default; a fleet's PubSub role passes `publishLimiter`, counted in Redis across
// its instances.
import type { Logger } from 'pino';
import { UserRateLimit, type PerUserLimit, type UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import type { HandlerContext } from './pubsub-context.js';
import { PubsubError } from './pubsub-errors.js';

export const DEFAULT_PUBLISH_LIMITS: UserRateLimits = { perMinute: 7200, burst: 1000 };

/** The log line of a refused publish (at most one per user every 10 s). */
export function publishRefusedLogger(log: Logger): (user: string) => void {
  return (user) => log.warn({ event: 'abuse', rule: 'pubsub-publishes-per-user', key: user }, 'publish refused: too many items published');
}

export function publishLimit(limits: Partial<UserRateLimits> | undefined, log: Logger): UserRateLimit {
  return new UserRateLimit('pubsub-publishes-per-user', { ...DEFAULT_PUBLISH_LIMITS, ...limits }, publishRefusedLogger(log));
}

/** Counts a publish of `bare`; refuses it (policy-violation) over the limit. */
export async function checkPublishRate(ctx: HandlerContext, bare: string): Promise<void> {
  if (ctx.publishLimit && (await ctx.publishLimit.check(bare, ctx.now())) !== undefined) throw new PubsubError('wait', 'policy-violation');
}
