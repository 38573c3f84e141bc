// One lane per node: a node's requests are processed in order. The bounded lanes are the
// components' shared queue (shared/component/keyed-queue.ts); here are their bounds.
import type { NamedKeyedQueueLimits } from '../../shared/component/keyed-queue.js';

/** Tasks queued or running for one node (`maxPerNode`), in total, and running at once. */
export type NodeQueueLimits = NamedKeyedQueueLimits<'maxPerNode'>;

export const DEFAULT_NODE_QUEUE_LIMITS: NodeQueueLimits = { maxPerNode: 128, maxTotal: 4096, maxRunning: 64 };
