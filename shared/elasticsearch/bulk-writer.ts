// The bounded bulk writer of the Elasticsearch stores (incidents, health snapshots): documents
// are queued — at most `maxQueue`, beyond which new ones are dropped, counted and logged — and
// written with the client's bulk helper once a second or as soon as a batch of 500 is waiting,
// one write at a time. A failed write is logged, never thrown: an unreachable cluster costs
// records, not the node. The bulk helper and the index refresh are given, so this runs (and is
// tested) without a cluster.
import type { Logger } from '../log.js';

/** What the writer asks of `client.helpers.bulk` (the part it uses). */
export interface BulkRequest<T> {
  datasource: T[];
  onDocument(doc: T): { create: { _index: string; _id: string } };
  onDrop(dropped: { document: T; status: number }): void;
}

export interface BulkWriterOptions<T> {
  /** `(request) => client.helpers.bulk(request)`. */
  bulk(request: BulkRequest<T>): Promise<unknown>;
  /** Makes what was written searchable (`client.indices.refresh`); run by `flush`. */
  refresh(): Promise<unknown>;
  /** Where a document goes: its index and id (`create`, so a document is never overwritten). */
  target(doc: T): { index: string; id: string };
  /** Fields that name a document in the log lines about it. */
  describe(doc: T): Record<string, unknown>;
  logger: Logger;
  /** The store in log lines ("incidents") and one of its documents ("incident"). */
  names: { store: string; document: string };
  /** Documents waiting, at most; default 10,000. */
  maxQueue?: number;
  /** Documents that start a write at once; default 500. */
  batch?: number;
  /** Interval of the timed write; default 1000 ms. */
  flushMs?: number;
}

export interface BulkWriter<T> {
  /** Queues `doc`; false when the queue is full (the document is dropped, counted and logged). */
  add(doc: T): boolean;
  /** Writes everything queued, then refreshes; settles once done (a failure is logged). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is queued. */
  close(): Promise<void>;
  /** Documents waiting for a write. */
  readonly queued: number;
  /** Documents dropped because the queue was full. */
  readonly dropped: number;
}

export function createBulkWriter<T>(opts: BulkWriterOptions<T>): BulkWriter<T> {
  const { logger: log, names } = opts;
  const maxQueue = opts.maxQueue ?? 10_000;
  const batchSize = opts.batch ?? 500;
  let queue: T[] = [];
  let dropped = 0;
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void write(), opts.flushMs ?? 1000);
  timer.unref();

  function write(refresh = false): Promise<void> {
    writing = writing.then(async () => {
      const batch = queue;
      queue = [];
      if (batch.length > 0) {
        await opts.bulk({
          datasource: batch,
          onDocument: (doc) => {
            const { index, id } = opts.target(doc);
            return { create: { _index: index, _id: id } };
          },
          onDrop: (gone) => log.warn({ ...opts.describe(gone.document), status: gone.status }, `${names.store}: ${names.document} not stored in Elasticsearch`),
        });
      }
      if (refresh) await opts.refresh();
    }).catch((err: Error) => log.warn({ err: err.message }, `${names.store}: Elasticsearch bulk write failed`));
    return writing;
  }

  return {
    add(doc) {
      if (queue.length >= maxQueue) {
        dropped++;
        log.warn(opts.describe(doc), `${names.store}: Elasticsearch queue full, ${names.document} dropped`);
        return false;
      }
      queue.push(doc);
      if (queue.length >= batchSize) void write();
      return true;
    },
    flush: () => write(true),
    async close() {
      clearInterval(timer);
      await write();
    },
    get queued() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
