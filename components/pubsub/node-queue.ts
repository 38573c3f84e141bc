// Per-node serial execution with hard bounds (ARCHITECTURE.md "Isolation"): one node's requests
// run in arrival order (publish order is notification order), different nodes concurrently; tasks
// per node, tasks in total and tasks running at once are limited. Beyond a limit a task is
// refused at once (QueueFullError) and the IQ is answered resource-constraint.

export interface NodeQueueLimits {
  /** Tasks queued or running for one node. */
  maxPerNode: number;
  /** Tasks queued or running for all nodes together. */
  maxTotal: number;
  /** Tasks running at once. */
  maxRunning: number;
}

export const DEFAULT_NODE_QUEUE_LIMITS: NodeQueueLimits = { maxPerNode: 128, maxTotal: 4096, maxRunning: 64 };

export class QueueFullError extends Error {
  constructor(readonly scope: 'node' | 'total') {
    super(scope === 'node' ? "the node's queue is full" : 'the pubsub queue is full');
    this.name = 'QueueFullError';
  }
}

interface Lane {
  tail: Promise<void>;
  size: number;
}

export class NodeQueue {
  private readonly lanes = new Map<string, Lane>();
  private total = 0;
  private running = 0;
  private readonly waitingToRun: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: NodeQueueLimits = DEFAULT_NODE_QUEUE_LIMITS) {}

  get size(): number {
    return this.total;
  }

  /** Runs `task` after every earlier task of `key`; rejects at once with QueueFullError when full. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (lane.size >= this.limits.maxPerNode) return Promise.reject(new QueueFullError('node'));
    if (this.total >= this.limits.maxTotal) return Promise.reject(new QueueFullError('total'));
    lane.size++;
    this.total++;
    this.lanes.set(key, lane);
    const result = lane.tail.then(() => this.withRunningSlot(task));
    const settle = () => this.settled(key, lane);
    lane.tail = result.then(settle, settle);
    return result;
  }

  idle(): Promise<void> {
    if (this.total === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async withRunningSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.maxRunning) await new Promise<void>((resolve) => this.waitingToRun.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waitingToRun.shift();
      if (next) next();
      else this.running--;
    }
  }

  private settled(key: string, lane: Lane): void {
    lane.size--;
    this.total--;
    if (lane.size === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    if (this.total === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
