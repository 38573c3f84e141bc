// PubSub publishes per user (docs/abuse.md, issue #9): items one bare JID may publish per minute
// over every node of the service, PEP included (config pubsub.publishesPerMinute /
// pubsub.publishBurst). XEP-0060 has no condition for it; the publish is refused with
// policy-violation (wait), as the MUC's flood limit does, before anything is stored or notified.
// Component-local: each PubSub instance of a fleet counts the publishes it serves.
import type { Logger } from 'pino';
import { UserRateLimit, type UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import type { HandlerContext } from './pubsub-context.js';
import { PubsubError } from './pubsub-errors.js';

export const DEFAULT_PUBLISH_LIMITS: UserRateLimits = { perMinute: 7200, burst: 1000 };

export function publishLimit(limits: Partial<UserRateLimits> | undefined, log: Logger): UserRateLimit {
  return new UserRateLimit('pubsub-publishes-per-user', { ...DEFAULT_PUBLISH_LIMITS, ...limits }, (user) =>
    log.warn({ event: 'abuse', rule: 'pubsub-publishes-per-user', key: user }, 'publish refused: too many items published'));
}

/** Counts a publish of `bare`; refuses it (policy-violation) over the limit. */
export function checkPublishRate(ctx: HandlerContext, bare: string): void {
  if (ctx.publishLimit && !ctx.publishLimit.take(bare, ctx.now())) throw new PubsubError('wait', 'policy-violation');
}
