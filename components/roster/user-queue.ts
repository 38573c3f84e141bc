// One lane per user: the roster component processes one user's stanzas in order.
import { KeyedQueue } from '../../shared/component/keyed-queue.js';

export { QueueFullError } from '../../shared/component/keyed-queue.js';

export interface UserQueueLimits {
  /** Tasks queued or running for one user. */
  maxPerUser: number;
  /** Tasks queued or running in total. */
  maxTotal: number;
  /** Tasks running at once. */
  maxRunning: number;
}

export const DEFAULT_USER_QUEUE_LIMITS: UserQueueLimits = { maxPerUser: 64, maxTotal: 4096, maxRunning: 64 };

export class UserQueue extends KeyedQueue {
  constructor(limits: UserQueueLimits = DEFAULT_USER_QUEUE_LIMITS) {
    super({ maxPerKey: limits.maxPerUser, maxTotal: limits.maxTotal, maxRunning: limits.maxRunning }, 'user');
  }
}
