// The coordinator's workers: one in-process, or N forked processes that split the users and the
// offered rate between them. Every request is bounded by the run's hard deadline.
import { ForkedWorker } from '../worker/forked-worker.js';
import { LocalWorker } from '../worker/local-worker.js';
import type { ReplyTo, ScenarioParams, WorkerHandle, WorkerRequest } from '../worker/worker-protocol.js';
import type { Target } from '../target.js';

export class WorkerPool {
  private constructor(readonly workers: WorkerHandle[], readonly forked: boolean, private readonly deadlineAt: number) {}

  static async start(count: number, target: Target, params: ScenarioParams, deadlineAt: number): Promise<WorkerPool> {
    const forked = count > 1;
    const workers: WorkerHandle[] = forked
      ? Array.from({ length: count }, (_, i) => new ForkedWorker(i))
      : [new LocalWorker()];
    const pool = new WorkerPool(workers, forked, deadlineAt);
    await pool.all((_, i) => ({ op: 'init', plan: { workerId: i, target, params } }));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** PIDs of forked workers (empty in-process). */
  pids(): number[] {
    return this.workers.flatMap((w) => (w instanceof ForkedWorker && w.pid !== undefined ? [w.pid] : []));
  }

  remainingMs(): number {
    return Math.max(1000, this.deadlineAt - Date.now());
  }

  /** Sends each worker its request (undefined: that worker skips) and waits for all replies. */
  async all<R extends WorkerRequest>(make: (worker: WorkerHandle, i: number) => R | undefined): Promise<Array<ReplyTo<R>>> {
    const replies = await Promise.all(this.workers.map((w, i) => {
      const req = make(w, i);
      return req ? w.request(req, this.remainingMs()) : Promise.resolve(undefined);
    }));
    return replies.filter((r): r is Awaited<ReplyTo<R>> => r !== undefined) as Array<ReplyTo<R>>;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop().catch(() => {})));
  }
}

/** Contiguous, near-equal shares of a list (worker i gets part i). */
export function splitEvenly<T>(items: T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < parts; i++) {
    out.push(items.slice(Math.floor((i * items.length) / parts), Math.floor(((i + 1) * items.length) / parts)));
  }
  return out;
}

/** Splits a total (rate, concurrency) in proportion to weights; equal shares when all weights are 0. */
export function shareOf(total: number, weights: number[], i: number): number {
  const sum = weights.reduce((a, b) => a + b, 0);
  return sum > 0 ? (total * weights[i]) / sum : total / weights.length;
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
