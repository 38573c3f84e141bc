// The MUC component's metrics (STYLE.md lesson 8), served by the process's /metrics endpoint.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';

export const mucStanzas = new Counter({
  name: 'pampero_muc_stanzas_total',
  help: 'Stanzas handled by the MUC component for rooms, by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const mucShed = new Counter({
  name: 'pampero_muc_shed_total',
  help: 'Stanzas refused with resource-constraint because a room queue was full',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const mucHandlerErrors = new Counter({
  name: 'pampero_muc_handler_errors_total',
  help: 'Stanzas whose handler threw unexpectedly (answered internal-server-error)',
  registers: [metricsRegistry],
});

export const mucQueued = new Gauge({
  name: 'pampero_muc_queued_tasks',
  help: 'MUC room tasks queued or running',
  registers: [metricsRegistry],
});

export const mucSendFailures = new Counter({
  name: 'pampero_muc_send_failures_total',
  help: 'Stanzas the MUC component could not write to its router link',
  registers: [metricsRegistry],
});

/** Rooms in memory, over every MUC stanza router of the process (persistent rooms without occupants are not). */
const liveRoomCounters = new Set<() => number>();
export function countLiveRooms(count: () => number): () => void {
  liveRoomCounters.add(count);
  return () => liveRoomCounters.delete(count);
}

export const mucLiveRooms = new Gauge({
  name: 'pampero_muc_live_rooms',
  help: 'MUC rooms in memory (rooms with occupants, and new rooms not configured yet)',
  registers: [metricsRegistry],
  collect() {
    let total = 0;
    for (const count of liveRoomCounters) total += count();
    this.set(total);
  },
});
