// One lane per room: a room's stanzas are processed in order (shared/component/keyed-queue.ts).
import type { NamedKeyedQueueLimits } from '../../shared/component/keyed-queue.js';

export { QueueFullError } from '../../shared/component/keyed-queue.js';

/** maxPerRoom: tasks queued or running for one room; maxTotal: in total; maxRunning: at once. */
export type RoomQueueLimits = NamedKeyedQueueLimits<'maxPerRoom'>;

// A room of a few hundred occupants rejoining at once (XEP-0410 after a move) must fit; each task is
// one stanza, so a full room queue holds about a megabyte.
export const DEFAULT_ROOM_QUEUE_LIMITS: RoomQueueLimits = { maxPerRoom: 1024, maxTotal: 16384, maxRunning: 64 };
