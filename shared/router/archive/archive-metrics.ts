// The message archive's metrics (docs/metrics.md, docs/archive.md).
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../../metrics/http-endpoints.js';
import { HotGauge } from '../../metrics/hot-path-metrics.js';

export const archiveWritten = new Counter({
  name: 'pampero_archive_messages_written_total',
  help: 'Archive entries written to storage (one per user archive a message went to)',
  registers: [metricsRegistry],
});

export const archiveDropped = new Counter({
  name: 'pampero_archive_messages_dropped_total',
  help: 'Archive entries not written, by reason: queue_full (write queue at archive.maxQueue), store_error, too_long (owner and peer JIDs longer than the stores\' keys allow)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

/**
 * Entries waiting in every archive writer of the process (user and room archives), counted up per
 * entry queued and down per batch taken: a plain number on the hot path (hot-path-metrics.ts), where
 * prom-client's set() cost ≈ 0.2 µs a message.
 */
export const archiveQueued = new HotGauge({
  name: 'pampero_archive_write_queue',
  help: 'Archive entries waiting in the write queues (user and room archives)',
  labelNames: [] as const,
  registers: [metricsRegistry],
}).labels();

export const archiveQuerySeconds = new Histogram({
  name: 'pampero_archive_query_seconds',
  help: 'Time to answer a MAM query (XEP-0313), from the IQ to the last result',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

export const archivePurged = new Counter({
  name: 'pampero_archive_messages_purged_total',
  help: 'Archive entries removed by retention (archive.retentionDays)',
  registers: [metricsRegistry],
});
