// (Same bounds as components/roster/user-queue.ts, one lane per room instead of per user.)
// Per-room serial execution with hard bounds (ARCHITECTURE.md "Isolation"): one room's stanzas
// are processed in arrival order, different rooms run concurrently; the tasks waiting per room,
// the tasks waiting in total and the tasks running at once are all limited. Beyond a limit a task
// is refused at once (QueueFullError) and the caller answers with the right XMPP error.

export interface RoomQueueLimits {
  /** Tasks queued or running for one room. */
  maxPerRoom: number;
  /** Tasks queued or running for all rooms together. */
  maxTotal: number;
  /** Tasks running at once (storage work in flight). */
  maxRunning: number;
}

export const DEFAULT_ROOM_QUEUE_LIMITS: RoomQueueLimits = { maxPerRoom: 64, maxTotal: 4096, maxRunning: 64 };

export class QueueFullError extends Error {
  constructor(readonly scope: 'room' | 'total') {
    super(scope === 'room' ? "the room's queue is full" : 'the MUC queue is full');
    this.name = 'QueueFullError';
  }
}

interface RoomLane {
  tail: Promise<void>;
  size: number;
}

export class RoomQueue {
  private readonly lanes = new Map<string, RoomLane>();
  private total = 0;
  private running = 0;
  private readonly waitingToRun: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: RoomQueueLimits = DEFAULT_ROOM_QUEUE_LIMITS) {}

  /** Tasks queued or running. */
  get size(): number {
    return this.total;
  }

  /**
   * Runs `task` after every earlier task of `room` has settled. Rejects at once with
   * QueueFullError when a limit is reached; otherwise settles as the task does.
   */
  run<T>(room: string, task: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(room) ?? { tail: Promise.resolve(), size: 0 };
    if (lane.size >= this.limits.maxPerRoom) return Promise.reject(new QueueFullError('room'));
    if (this.total >= this.limits.maxTotal) return Promise.reject(new QueueFullError('total'));
    lane.size++;
    this.total++;
    this.lanes.set(room, lane);
    const result = lane.tail.then(() => this.withRunningSlot(task));
    lane.tail = result.then(
      () => this.settled(room, lane),
      () => this.settled(room, lane),
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

  private settled(room: string, lane: RoomLane): void {
    lane.size--;
    this.total--;
    if (lane.size === 0 && this.lanes.get(room) === lane) this.lanes.delete(room);
    if (this.total === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
