// The archive's bounded write queue: routing hands entries over and never waits (STYLE.md §6).
// Entries are written in batches (one LMDB transaction, or one round of ScyllaDB writes, per
// batch), one batch at a time. When the queue holds `maxQueue` entries or `maxQueueBytes` of XML,
// new ones are dropped and counted (pampero_archive_messages_dropped_total{reason="queue_full"}): the archive then misses
// them, delivery never does.
import type { Logger } from '../../log.js';
import type { ArchiveEntry, ArchiveStore } from '../../storage/types.js';
import { archiveDropped, archiveQueued, archiveWritten } from './archive-metrics.js';

export interface PendingArchiveEntry extends ArchiveEntry {
  owner: string;
  /** Settled by the writer before the entry is stored (preferences not cached, account unknown). */
  check?: () => Promise<boolean>;
}

export interface ArchiveWriterOptions {
  maxQueue: number;
  /** XML bytes (UTF-16 code units, close enough) the queue may hold: a flood of big messages is bounded too. */
  maxQueueBytes?: number;
  /** Entries per store call. */
  batchSize?: number;
  log: Logger;
}

export class ArchiveWriter {
  private queue: PendingArchiveEntry[] = [];
  private queuedBytes = 0;
  private running: Promise<void> | undefined;
  private readonly batchSize: number;

  constructor(private readonly store: ArchiveStore, private readonly options: ArchiveWriterOptions) {
    this.batchSize = options.batchSize ?? 500;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Queues an entry; false (and counted) when the queue is full. */
  enqueue(entry: PendingArchiveEntry): boolean {
    if (this.queue.length >= this.options.maxQueue || this.queuedBytes + entry.xml.length > (this.options.maxQueueBytes ?? Infinity)) {
      archiveDropped.inc({ reason: 'queue_full' });
      return false;
    }
    this.queue.push(entry);
    this.queuedBytes += entry.xml.length;
    archiveQueued.set(this.queue.length);
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeAll());
    return true;
  }

  /** Resolves once everything queued so far is written (or dropped on error). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.batchSize);
        for (const e of batch) this.queuedBytes -= e.xml.length;
        archiveQueued.set(this.queue.length);
        try {
          const kept = await this.settle(batch);
          await this.store.append(kept.map(({ check: _, ...entry }) => entry));
          archiveWritten.inc(kept.length);
        } catch (err) {
          archiveDropped.inc({ reason: 'store_error' }, batch.length);
          this.options.log.error({ err, entries: batch.length }, 'archive write failed');
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async settle(batch: PendingArchiveEntry[]): Promise<PendingArchiveEntry[]> {
    if (!batch.some((e) => e.check)) return batch;
    const verdicts = await Promise.all(batch.map((e) => (e.check ? e.check() : true)));
    return batch.filter((_, i) => verdicts[i]);
  }
}
