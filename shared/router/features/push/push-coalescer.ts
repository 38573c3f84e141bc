// Rate limit per registration: the first push-worthy message is published at once; what comes
// while that publish is unanswered or within `minIntervalMs` of it waits and goes as one
// notification (message-count says how many) when the interval is over. The registrations
// tracked at a time are bounded; beyond `maxTracked` new notifications are dropped (counted by
// the caller), which only happens when that many app servers are busy at once.
import type { PushSummary } from './push-summary.js';

export interface CoalescerOptions {
  /** Least time between two publishes to one registration; 0: only one publish in flight. */
  minIntervalMs: number;
  /** Registrations with a publish in flight or waiting, at most. */
  maxTracked: number;
  now?: () => number;
}

interface Waiting<T> {
  target: T;
  count: number;
  sender?: string;
  body?: string;
  inFlight: boolean;
  /** Earliest time of the next publish. */
  nextAt: number;
  timer?: NodeJS.Timeout;
}

export type AddOutcome = 'published' | 'coalesced' | 'dropped';

export class NotificationCoalescer<T> {
  private readonly tracked = new Map<string, Waiting<T>>();
  private readonly now: () => number;

  constructor(private readonly options: CoalescerOptions, private readonly publish: (key: string, target: T, summary: PushSummary) => void) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.tracked.size;
  }

  /** One more push-worthy message for the registration `key` (`target` is what publish needs, the latest wins). */
  add(key: string, target: T, message: Omit<PushSummary, 'count'>): AddOutcome {
    let state = this.tracked.get(key);
    if (!state) {
      if (this.tracked.size >= this.options.maxTracked) return 'dropped';
      state = { target, count: 0, inFlight: false, nextAt: 0 };
      this.tracked.set(key, state);
    }
    state.target = target;
    state.count++;
    state.sender = message.sender;
    state.body = message.body;
    return this.pump(key, state) ? 'published' : 'coalesced';
  }

  /** The publish for `key` was answered (or given up on): the next may go once the interval is over. */
  settled(key: string): void {
    const state = this.tracked.get(key);
    if (!state) return;
    state.inFlight = false;
    this.pump(key, state);
  }

  /** The registration is gone: nothing more is published to it. */
  forget(key: string): void {
    const state = this.tracked.get(key);
    if (state?.timer) clearTimeout(state.timer);
    this.tracked.delete(key);
  }

  /** Stops every timer (the router stops). */
  clear(): void {
    for (const key of [...this.tracked.keys()]) this.forget(key);
  }

  /** Publishes what waits if nothing is in flight and the interval is over; true when it did. */
  private pump(key: string, state: Waiting<T>): boolean {
    if (state.inFlight || state.timer) return false;
    const wait = state.nextAt - this.now();
    if (wait > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.pump(key, state);
      }, wait);
      state.timer.unref?.();
      return false;
    }
    if (state.count === 0) {
      this.tracked.delete(key); // quiet for a whole interval: forgotten
      return false;
    }
    const summary: PushSummary = { count: state.count };
    if (state.sender !== undefined) summary.sender = state.sender;
    if (state.body !== undefined) summary.body = state.body;
    state.count = 0;
    state.sender = state.body = undefined;
    state.inFlight = true;
    state.nextAt = this.now() + this.options.minIntervalMs;
    this.publish(key, state.target, summary);
    return true;
  }
}
