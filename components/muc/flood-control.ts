// Per-user message rate limit in a room (the architecture's "MUC publishing per user"; XEP-0045
// has none, Prosody's mod_muc_limits does the same): a token bucket per room and real bare JID
// (so leaving and re-entering, or using several resources, does not refill it), refilled at
// `rate` messages per second up to `burst`. Over the limit a message is refused with
// policy-violation (wait), as mod_muc_limits answers, and is neither reflected nor kept.
// Bounded: a room keeps buckets for about as many users as it has occupants (full buckets,
// which mean nothing, are dropped), and they leave memory with the room.
import type { Occupant, Room } from './room.js';
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

const bucketsOf = new WeakMap<Room, Map<string, Bucket>>();

function refill(bucket: Bucket, limits: FloodLimits, now: number): void {
  bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.rate);
  bucket.at = now;
}

/** Takes one token from the sender's bucket in this room, or refuses the message. */
export function checkFlood(room: Room, occupant: Occupant, limits: FloodLimits, now: number): void {
  if (limits.rate <= 0) return;
  let buckets = bucketsOf.get(room);
  if (!buckets) bucketsOf.set(room, (buckets = new Map()));
  let bucket = buckets.get(occupant.realBare);
  if (!bucket) {
    if (buckets.size >= 2 * room.occupants.size + 16) {
      for (const [user, other] of buckets) {
        refill(other, limits, now);
        if (other.tokens >= limits.burst) buckets.delete(user);
      }
    }
    bucket = { tokens: limits.burst, at: now };
    buckets.set(occupant.realBare, bucket);
  }
  refill(bucket, limits, now);
  if (bucket.tokens < 1) refuse('wait', 'policy-violation', 'You are sending messages too fast');
  bucket.tokens -= 1;
}
