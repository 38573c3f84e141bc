// Retention (archive.retentionDays): a timer removes entries older than the retention period, at
// most `purgeBatch` per run, so a large backlog is removed over several runs without long
// storage transactions. Every router runs it; removing an entry twice is harmless.
import type { Logger } from '../../log.js';
import type { ArchiveStore } from '../../storage/types.js';
import { archivePurged } from './archive-metrics.js';

const DAY_MS = 86_400_000;

export class ArchiveRetention {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: ArchiveStore,
    private readonly options: { retentionDays: number; purgeIntervalSeconds: number; purgeBatch: number },
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** Told the bound of every run (the full-text index drops what the archive no longer has). */
    private readonly purged?: (before: number) => Promise<void>,
  ) {}

  start(): void {
    if (this.options.retentionDays <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.purgeOnce(), this.options.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One bounded run; resolves to the number of entries removed. */
  async purgeOnce(): Promise<number> {
    if (this.running || this.options.retentionDays <= 0) return 0;
    this.running = true;
    try {
      const before = this.now() - this.options.retentionDays * DAY_MS;
      const removed = await this.store.removeBefore(before, this.options.purgeBatch);
      archivePurged.inc(removed);
      if (removed > 0) await this.purged?.(before);
      return removed;
    } catch (err) {
      this.log.error({ err }, 'archive purge failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
