// Last logouts (XEP-0012) written behind the sessions' backs. A node that stops, drains or loses a
// gateway ends thousands of sessions in one turn; a put per session overflowed the account-data
// bulkhead (655 of 2,000 shed when the login benchmark's users left together, each logged with
// its stack). Records wait here instead, one per user (a newer one replaces it), and a few puts at
// a time write them. A failed put is tried again after a pause unless a newer record replaced it.
// Bounded: past `maxPending` users the oldest record is dropped and counted.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../metrics/http-endpoints.js';

const pendingGauge = new Gauge({
  name: 'pampero_last_logouts_pending',
  help: 'Last-logout records (XEP-0012) waiting to be written to account storage',
  registers: [metricsRegistry],
});

const droppedTotal = new Counter({
  name: 'pampero_last_logouts_dropped_total',
  help: 'Last-logout records (XEP-0012) dropped unwritten: more users waiting than the bound, or the node stopped first',
  registers: [metricsRegistry],
});

export interface LastLogoutWriterOptions {
  /** Users whose record waits at most (default 100,000: a few MB). */
  maxPending?: number;
  /** Puts in flight at most (default 4): the bulkhead's slots stay free for logins and reads. */
  concurrency?: number;
  /** Pause after a failed put before writing again (default 1 s). */
  retryMs?: number;
  /** A put failed; called at most once per `retryMs`, with how many failed since the last call. */
  onError: (err: unknown, failures: number) => void;
}

export class LastLogoutWriter {
  private readonly pending = new Map<string, string>();
  /** Records being written, by user: still what a query must see until the put has committed. */
  private readonly writing = new Map<string, string>();
  /** Removed accounts whose record is being written: deleted again once that put settled. */
  private readonly forgotten = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastReported = -Infinity;
  private idle: Array<() => void> = [];
  private readonly maxPending: number;
  private readonly concurrency: number;
  private readonly retryMs: number;

  constructor(
    private readonly put: (user: string, record: string) => Promise<void>,
    private readonly remove: (user: string) => Promise<void>,
    private readonly options: LastLogoutWriterOptions,
  ) {
    this.maxPending = options.maxPending ?? 100_000;
    this.concurrency = options.concurrency ?? 4;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Queues `record` as the user's last logout, replacing one not written yet. */
  record(user: string, record: string): void {
    if (!this.pending.delete(user)) {
      if (this.pending.size >= this.maxPending) this.dropOldest();
      pendingGauge.inc();
    }
    this.pending.set(user, record);
    this.pump();
  }

  /** The record not yet committed for `user`, so a query right after the logout sees it. */
  waiting(user: string): string | undefined {
    return this.pending.get(user) ?? this.writing.get(user);
  }

  /**
   * The account was removed: its sessions' last logout must not outlive it. The waiting record is
   * dropped; one being written is deleted once its put settled (it may land after the account's
   * data was deleted).
   */
  forget(user: string): void {
    if (this.pending.delete(user)) pendingGauge.dec();
    if (this.writing.has(user)) this.forgotten.add(user);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once nothing waits or is being written, or after `deadlineMs`; what is left then is dropped and counted. */
  async flush(deadlineMs: number): Promise<void> {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.pump();
    }
    if (this.pending.size > 0 || this.writing.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
    }
    droppedTotal.inc(this.pending.size);
    pendingGauge.dec(this.pending.size);
    this.pending.clear();
  }

  private dropOldest(): void {
    for (const user of this.pending.keys()) {
      this.pending.delete(user);
      pendingGauge.dec();
      droppedTotal.inc();
      return;
    }
  }

  private pump(): void {
    if (this.retryTimer) return;
    if (this.writing.size >= this.concurrency) return;
    // Oldest first; a user whose previous record is still being written waits (no two puts for one key at once).
    for (const [user, record] of this.pending) {
      if (this.writing.has(user)) continue;
      this.pending.delete(user);
      pendingGauge.dec();
      this.write(user, record);
      if (this.writing.size >= this.concurrency) return;
    }
    if (this.pending.size === 0 && this.writing.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private write(user: string, record: string): void {
    this.writing.set(user, record);
    this.put(user, record).then(
      () => {
        this.writing.delete(user);
        if (this.forgotten.delete(user)) this.remove(user).catch((err: unknown) => this.failed(err));
        this.pump();
      },
      (err: unknown) => {
        this.writing.delete(user);
        if (this.forgotten.delete(user)) return this.pump(); // nothing to write for a removed account
        if (!this.pending.has(user)) {
          // Nothing newer came meanwhile: this one goes back at the end of the queue.
          if (this.pending.size >= this.maxPending) this.dropOldest();
          this.pending.set(user, record);
          pendingGauge.inc();
        }
        this.failed(err);
      },
    );
  }

  private failed(err: unknown): void {
    this.failures++;
    const now = performance.now();
    if (now - this.lastReported >= this.retryMs) {
      this.lastReported = now;
      this.options.onError(err, this.failures);
      this.failures = 0;
    }
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
