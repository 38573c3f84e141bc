// Serial execution per key (a user, a room, a node) with hard bounds (ARCHITECTURE.md
// "Isolation"), shared by the components: one key's stanzas are processed in arrival order,
// different keys run concurrently; the tasks waiting per key, waiting in total and running at
// once are all limited. Beyond a limit a task is refused at once (QueueFullError) and the caller
// answers with the right XMPP error.

export interface KeyedQueueLimits {
  /** Tasks queued or running for one key. */
  maxPerKey: number;
  /** Tasks queued or running for all keys together. */
  maxTotal: number;
  /** Tasks running at once (storage work in flight). */
  maxRunning: number;
}

/**
 * A component's limits, the per-key bound named after its key (`maxPerUser`, `maxPerNode`,
 * `maxPerRoom`): the names of its `queueLimits` option and docs.
 */
export type NamedKeyedQueueLimits<PerKey extends `maxPer${string}`> = Record<PerKey, number> & Omit<KeyedQueueLimits, 'maxPerKey'>;

/**
 * A component's queue: its `defaults` overridden by the configured `limits`, the per-key bound
 * read from `perKey`; `what` names a key in QueueFullError messages ("the user lane is full").
 */
export function createNamedKeyedQueue<PerKey extends `maxPer${string}`>(
  what: string,
  perKey: PerKey,
  defaults: NamedKeyedQueueLimits<PerKey>,
  limits: Partial<NamedKeyedQueueLimits<PerKey>> = {},
): KeyedQueue {
  const merged: NamedKeyedQueueLimits<PerKey> = { ...defaults, ...limits };
  const perKeyBounds: Record<PerKey, number> = merged;
  return new KeyedQueue({ maxPerKey: perKeyBounds[perKey], maxTotal: merged.maxTotal, maxRunning: merged.maxRunning }, what);
}

export class QueueFullError extends Error {
  constructor(readonly scope: 'key' | 'total', message: string) {
    super(message);
    this.name = 'QueueFullError';
  }
}

interface Lane {
  tail: Promise<void>;
  size: number;
}

export class KeyedQueue {
  private readonly lanes = new Map<string, Lane>();
  private total = 0;
  private running = 0;
  private readonly waitingToRun: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: KeyedQueueLimits, private readonly what: string) {}

  /** Tasks queued or running. */
  get size(): number {
    return this.total;
  }

  /**
   * Runs `task` after every earlier task of `key` has settled. Rejects at once with
   * QueueFullError when a limit is reached; otherwise settles as the task does.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (lane.size >= this.limits.maxPerKey) return Promise.reject(new QueueFullError('key', `the ${this.what} lane is full`));
    if (this.total >= this.limits.maxTotal) return Promise.reject(new QueueFullError('total', `the ${this.what} queue is full`));
    lane.size++;
    this.total++;
    this.lanes.set(key, lane);
    const result = lane.tail.then(() => this.withRunningSlot(task));
    lane.tail = result.then(
      () => this.settled(key, lane),
      () => this.settled(key, lane),
    );
    return result;
  }

  /** Resolves once nothing is queued or running (graceful stop). */
  idle(): Promise<void> {
    if (this.total === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async withRunningSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.maxRunning) {
      await new Promise<void>((resolve) => this.waitingToRun.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waitingToRun.shift();
      if (next) next(); // the slot passes straight to the next waiting task
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
