// The archive's bounded write queue: routing hands entries over and never waits (STYLE.md §6).
// Entries are written in batches (one LMDB transaction, or one round of ScyllaDB writes, per
// batch), at most one per `flushDelayMs`, unless `batchSize` entries wait or the previous write
// took longer (then the next starts at once), and at most BATCHES_IN_FLIGHT being stored at once
// (the next batch's transaction while the previous one commits): a store write costs far
// less per entry in big batches (LMDB: the B-tree pages a commit copies and syncs are shared by
// more entries). `drain()` cuts the wait short, so a MAM query or a stop sees everything queued
// before it. When the queue holds `maxQueue` entries or `maxQueueBytes` of XML, new ones are
// dropped and counted (pampero_archive_messages_dropped_total{reason="queue_full"}): the archive
// then misses them, delivery never does. An entry whose owner and peer JIDs are too long for the
// stores' keys is dropped too (reason="too_long", storage/archive-key-limit.ts).
import type { Logger } from '../../log.js';
import { archiveKeyFits } from '../../storage/archive-key-limit.js';
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
  /** Entries per store call (default 1,000). */
  batchSize?: number;
  /** How long a batch may gather before it is written, ms (default 0: at the next turn of the event loop). */
  flushDelayMs?: number;
  /**
   * Who is told of a batch once it is stored (the full-text index, archive-search.ts), asked per
   * batch: when nobody is, the writer holds no reference to the batch while the store commits it
   * (queued entries already live long enough to be promoted; nothing should add to that).
   */
  onWritten?: () => ((entries: ReadonlyArray<PendingArchiveEntry>) => void) | undefined;
  log: Logger;
}

export const DEFAULT_ARCHIVE_BATCH = 1000;
export const DEFAULT_ARCHIVE_FLUSH_DELAY_MS = 0;
/** Batches handed to the store at once (the next one's transaction while the previous one commits). */
export const BATCHES_IN_FLIGHT = 2;
/** Checks of one batch running at once. */
export const SETTLE_CONCURRENCY = 16;

export class ArchiveWriter {
  private queue: PendingArchiveEntry[] = [];
  private queuedBytes = 0;
  /** Entries ever queued, and of those, how many were handled (written, refused by a check, or failed). */
  private enqueued = 0;
  private handled = 0;
  private running: Promise<void> | undefined;
  /** Settles once every batch taken so far is stored (or failed) and counted. */
  private accounted: Promise<void> = Promise.resolve();
  /** Ends the current gathering wait at once. */
  private wake: (() => void) | undefined;
  private readonly drains: Array<{ upTo: number; resolve: () => void }> = [];
  private readonly batchSize: number;
  private readonly flushDelayMs: number;

  constructor(private readonly store: ArchiveStore, private readonly options: ArchiveWriterOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_ARCHIVE_BATCH;
    this.flushDelayMs = options.flushDelayMs ?? DEFAULT_ARCHIVE_FLUSH_DELAY_MS;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Queues an entry; false (and counted) when the queue is full or its JIDs are too long to be stored. */
  enqueue(entry: PendingArchiveEntry): boolean {
    if (!archiveKeyFits(entry.owner, entry.with)) {
      archiveDropped.inc({ reason: 'too_long' });
      return false;
    }
    if (this.queue.length >= this.options.maxQueue || this.queuedBytes + entry.xml.length > (this.options.maxQueueBytes ?? Infinity)) {
      archiveDropped.inc({ reason: 'queue_full' });
      return false;
    }
    this.queue.push(entry);
    this.queuedBytes += entry.xml.length;
    this.enqueued += 1;
    archiveQueued.inc();
    if (this.queue.length >= this.batchSize) this.wake?.();
    // Never written in the routing turn: the first wait is at least one setImmediate.
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeAll());
    return true;
  }

  /** Resolves once everything queued so far is written (or dropped on error); writes it now. */
  drain(): Promise<void> {
    if (this.handled >= this.enqueued) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.drains.push({ upTo: this.enqueued, resolve });
      this.wake?.();
    });
  }

  private async writeAll(): Promise<void> {
    try {
      // At most one batch per flushDelayMs: a write that took longer is followed at once by the
      // next (what queued meanwhile has waited long enough), so a slow store never idles the writer.
      // Up to BATCHES_IN_FLIGHT batches are being stored at once: the next batch's transaction is
      // handed to the store while the previous one commits, instead of a turn or more after its
      // commit (under load the writer otherwise fell behind and the queue overflowed).
      let windowStart = performance.now();
      const inFlight: Array<Promise<void>> = [];
      for (;;) {
        while (this.queue.length > 0) {
          await this.gather(this.flushDelayMs - (performance.now() - windowStart));
          windowStart = performance.now();
          if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
          if (this.queue.length === 0) break;
          inFlight.push(this.writeNext()); // no batch in this async frame: it would live until the commit
        }
        await Promise.all(inFlight.splice(0));
        // Queued while the last batches were stored (a drain's caller may queue more at once):
        // written by this run, which ends only with nothing queued (no await from here to `running` cleared).
        if (this.queue.length === 0) break;
      }
    } finally {
      this.running = undefined;
    }
  }

  /**
   * Takes one batch off the queue and stores it. The batch is referenced only by the store's call
   * (and by whoever onWritten names): not by this frame or the callbacks, which would keep it
   * alive until the commit.
   */
  private writeNext(): Promise<void> {
    const batch = this.queue.splice(0, this.batchSize);
    const count = batch.length;
    for (const e of batch) this.queuedBytes -= e.xml.length;
    archiveQueued.dec(count);
    let stored: Promise<number>;
    try {
      stored = this.stored(batch);
    } catch (err) {
      stored = Promise.reject(err);
    }
    const outcome = stored.then(
      (written) => void archiveWritten.inc(written),
      (err: unknown) => {
        archiveDropped.inc({ reason: 'store_error' }, count);
        this.options.log.error({ err, entries: count }, 'archive write failed');
      },
    );
    // Counted as handled in queue order, whatever order the stores answer in: a drain (a MAM
    // query, a stop) resolves only once everything queued before it is stored.
    this.accounted = Promise.all([this.accounted, outcome]).then(() => {
      this.handled += count;
      this.resolveDrains();
    });
    return this.accounted;
  }

  /** Settles and appends a batch; resolves to the entries stored. */
  private stored(batch: PendingArchiveEntry[]): Promise<number> {
    const onWritten = this.options.onWritten?.();
    if (batch.some((e) => e.check)) return this.settle(batch).then((kept) => this.appended(kept, onWritten));
    if (onWritten) return this.appended(batch, onWritten);
    const count = batch.length;
    return this.store.append(batch).then(() => count);
  }

  private appended(kept: PendingArchiveEntry[], onWritten: ((entries: ReadonlyArray<PendingArchiveEntry>) => void) | undefined): Promise<number> {
    return this.store.append(kept).then(() => {
      onWritten?.(kept);
      return kept.length;
    });
  }

  /** Waits until a full batch is queued, a drain asks, or `waitMs` has passed. */
  private gather(waitMs: number): Promise<void> {
    if (this.queue.length >= this.batchSize || this.drains.length > 0 || waitMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.wake = done;
    });
  }

  private resolveDrains(): void {
    for (let i = this.drains.length - 1; i >= 0; i--) {
      const d = this.drains[i];
      if (d.upTo <= this.handled) {
        this.drains.splice(i, 1);
        d.resolve();
      }
    }
  }

  /** Runs the entries' checks, at most SETTLE_CONCURRENCY at once (a big batch must not flood the storage bulkhead). */
  private async settle(batch: PendingArchiveEntry[]): Promise<PendingArchiveEntry[]> {
    if (!batch.some((e) => e.check)) return batch;
    const verdicts = new Array<boolean>(batch.length).fill(true);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const i = next++;
        const check = batch[i].check;
        if (check) verdicts[i] = await check();
      }
    };
    await Promise.all(Array.from({ length: Math.min(SETTLE_CONCURRENCY, batch.length) }, worker));
    return batch.filter((_, i) => verdicts[i]);
  }
}
