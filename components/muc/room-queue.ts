// One lane per room: a room's stanzas are processed in order.
import { KeyedQueue } from '../../shared/component/keyed-queue.js';

export { QueueFullError } from '../../shared/component/keyed-queue.js';

export interface RoomQueueLimits {
  /** Tasks queued or running for one room. */
  maxPerRoom: number;
  /** Tasks queued or running in total. */
  maxTotal: number;
  /** Tasks running at once. */
  maxRunning: number;
}

export const DEFAULT_ROOM_QUEUE_LIMITS: RoomQueueLimits = { maxPerRoom: 64, maxTotal: 4096, maxRunning: 64 };

export class RoomQueue extends KeyedQueue {
  constructor(limits: RoomQueueLimits = DEFAULT_ROOM_QUEUE_LIMITS) {
    super({ maxPerKey: limits.maxPerRoom, maxTotal: limits.maxTotal, maxRunning: limits.maxRunning }, 'room');
  }
}
