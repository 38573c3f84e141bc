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

// A room of a few hundred occupants rejoining at once (XEP-0410 after a move) must fit; each task is
// one stanza, so a full room queue holds about a megabyte.
export const DEFAULT_ROOM_QUEUE_LIMITS: RoomQueueLimits = { maxPerRoom: 1024, maxTotal: 16384, maxRunning: 64 };

export class RoomQueue extends KeyedQueue {
  constructor(limits: RoomQueueLimits = DEFAULT_ROOM_QUEUE_LIMITS) {
    super({ maxPerKey: limits.maxPerRoom, maxTotal: limits.maxTotal, maxRunning: limits.maxRunning }, 'room');
  }
}
