// One lane per node: a node's requests are processed in order.
import { KeyedQueue } from '../../shared/component/keyed-queue.js';

export { QueueFullError } from '../../shared/component/keyed-queue.js';

export interface NodeQueueLimits {
  /** Tasks queued or running for one node. */
  maxPerNode: number;
  /** Tasks queued or running in total. */
  maxTotal: number;
  /** Tasks running at once. */
  maxRunning: number;
}

export const DEFAULT_NODE_QUEUE_LIMITS: NodeQueueLimits = { maxPerNode: 128, maxTotal: 4096, maxRunning: 64 };

export class NodeQueue extends KeyedQueue {
  constructor(limits: NodeQueueLimits = DEFAULT_NODE_QUEUE_LIMITS) {
    super({ maxPerKey: limits.maxPerNode, maxTotal: limits.maxTotal, maxRunning: limits.maxRunning }, 'node');
  }
}
