// One lane per user: the roster component processes one user's stanzas in order. The bounded
// lanes are the components' shared queue (shared/component/keyed-queue.ts); here are its bounds.
import type { NamedKeyedQueueLimits } from '../../shared/component/keyed-queue.js';

/** Tasks queued or running for one user (`maxPerUser`), in total, and running at once. */
export type UserQueueLimits = NamedKeyedQueueLimits<'maxPerUser'>;

export const DEFAULT_USER_QUEUE_LIMITS: UserQueueLimits = { maxPerUser: 64, maxTotal: 4096, maxRunning: 64 };
