// The roster component's metrics, declared where the work is done (STYLE.md lesson 8) and served
// by the process's /metrics endpoint.
import { Counter } from 'prom-client';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { HotCounter, HotGauge } from '../../shared/metrics/hot-path-metrics.js';

export type StanzaKind = 'roster-get' | 'roster-set' | 'subscription' | 'presence' | 'disco' | 'unhandled';

// Per stanza (two per login: the roster prefetch and the presence copy): hot-path metrics.
export const rosterStanzas = new HotCounter({
  name: 'pampero_roster_stanzas_total',
  help: 'Stanzas handled by the roster component, by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const rosterShed = new Counter({
  name: 'pampero_roster_shed_total',
  help: 'Stanzas refused because a roster queue was full (IQs answered resource-constraint, presence dropped)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const rosterHandlerErrors = new Counter({
  name: 'pampero_roster_handler_errors_total',
  help: 'Stanzas whose handler threw (IQs answered internal-server-error)',
  registers: [metricsRegistry],
});

export const rosterQueued = new HotGauge({
  name: 'pampero_roster_queued_tasks',
  help: 'Roster tasks queued or running',
  labelNames: [],
  registers: [metricsRegistry],
}).labels();

export const rosterSendFailures = new Counter({
  name: 'pampero_roster_send_failures_total',
  help: 'Stanzas the component could not write to its router link (e.g. while disconnected)',
  registers: [metricsRegistry],
});
