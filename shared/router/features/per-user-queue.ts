// Work the router does for one user in the background (the conversions of XEP-0398 and
// XEP-0402/XEP-0411), one task at a time per user so that two quick changes are applied in order.
// Bounded: at most MAX_USERS users with work waiting and MAX_PER_USER tasks each; beyond, the task
// is dropped and logged (the next change of that user converts the whole state again).
import type { Logger } from 'pino';

export const MAX_USERS = 10_000;
export const MAX_PER_USER = 16;

export class PerUserQueue {
  private readonly tails = new Map<string, { tail: Promise<void>; waiting: number }>();

  constructor(private readonly log: Logger, private readonly what: string) {}

  /** Runs `task` after the user's earlier ones; failures are logged, never thrown. */
  run(user: string, task: () => Promise<void>): Promise<void> {
    const entry = this.tails.get(user);
    if ((!entry && this.tails.size >= MAX_USERS) || (entry && entry.waiting >= MAX_PER_USER)) {
      this.log.warn({ user }, `${this.what}: too much work waiting, change dropped`);
      return Promise.resolve();
    }
    const state = entry ?? { tail: Promise.resolve(), waiting: 0 };
    state.waiting++;
    const next = state.tail.then(task).catch((err: unknown) => this.log.warn({ err, user }, `${this.what} failed`)).finally(() => {
      state.waiting--;
      if (state.waiting === 0 && this.tails.get(user) === state) this.tails.delete(user);
    });
    state.tail = next;
    this.tails.set(user, state);
    return next;
  }

  /** Resolves once the user's tasks queued so far are done (reads wait for conversions in flight). */
  settled(user: string): Promise<void> {
    return this.tails.get(user)?.tail ?? Promise.resolve();
  }

  /** Users with work waiting (tests, metrics). */
  get size(): number {
    return this.tails.size;
  }
}
