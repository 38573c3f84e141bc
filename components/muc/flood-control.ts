// Per-occupant message rate limit (the architecture's "MUC publishing per user"; XEP-0045 has
// none, Prosody's mod_muc_limits does the same): a token bucket on each occupant, refilled at
// `rate` messages per second up to `burst`. Over the limit a message is refused with
// policy-violation (wait), as mod_muc_limits answers, and is neither reflected nor kept.
import type { Occupant } from './room.js';
import { refuse } from './xml.js';

export interface FloodLimits {
  /** Messages per second, sustained; 0 disables the limit. */
  rate: number;
  /** Messages at once after a quiet time. */
  burst: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = { rate: 5, burst: 10 };

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new WeakMap<Occupant, Bucket>();

/** Takes one token from the occupant's bucket, or refuses the message. */
export function checkFlood(occupant: Occupant, limits: FloodLimits, now: number): void {
  if (limits.rate <= 0) return;
  const bucket = buckets.get(occupant) ?? { tokens: limits.burst, at: now };
  bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.rate);
  bucket.at = now;
  buckets.set(occupant, bucket);
  if (bucket.tokens < 1) refuse('wait', 'policy-violation', 'You are sending messages too fast');
  bucket.tokens -= 1;
}
