// Per-user serial execution with hard bounds (ARCHITECTURE.md "Isolation"): one user's stanzas
// are processed in arrival order, different users run concurrently; the tasks waiting per user,
// the tasks waiting in total and the tasks running at once are all limited. Beyond a limit a task
// is refused at once (QueueFullError) and the caller answers with the right XMPP error.

export interface UserQueueLimits {
  /** Tasks queued or running for one user. */
  maxPerUser: number;
  /** Tasks queued or running for all users together. */
  maxTotal: number;
  /** Tasks running at once (storage work in flight). */
  maxRunning: number;
}

export const DEFAULT_USER_QUEUE_LIMITS: UserQueueLimits = { maxPerUser: 64, maxTotal: 4096, maxRunning: 64 };

export class QueueFullError extends Error {
  constructor(readonly scope: 'user' | 'total') {
    super(scope === 'user' ? "the user's queue is full" : 'the roster queue is full');
    this.name = 'QueueFullError';
  }
}

interface UserLane {
  tail: Promise<void>;
  size: number;
}

export class UserQueue {
  private readonly lanes = new Map<string, UserLane>();
  private total = 0;
  private running = 0;
  private readonly waitingToRun: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: UserQueueLimits = DEFAULT_USER_QUEUE_LIMITS) {}

  /** Tasks queued or running. */
  get size(): number {
    return this.total;
  }

  /**
   * Runs `task` after every earlier task of `user` has settled. Rejects at once with
   * QueueFullError when a limit is reached; otherwise settles as the task does.
   */
  run<T>(user: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(user) ?? { tail: Promise.resolve(), size: 0 };
    if (lane.size >= this.limits.maxPerUser) return Promise.reject(new QueueFullError('user'));
    if (this.total >= this.limits.maxTotal) return Promise.reject(new QueueFullError('total'));
    lane.size++;
    this.total++;
    this.lanes.set(user, lane);
    const result = lane.tail.then(() => this.withRunningSlot(task));
    lane.tail = result.then(
      () => this.settled(user, lane),
      () => this.settled(user, lane),
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

  private settled(user: string, lane: UserLane): void {
    lane.size--;
    this.total--;
    if (lane.size === 0 && this.lanes.get(user) === lane) this.lanes.delete(user);
    if (this.total === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
