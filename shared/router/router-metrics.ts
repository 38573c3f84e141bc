// The router's Prometheus metrics, declared where the routing is done (docs/metrics.md).
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

export type RouteOutcome = 'local' | 'component' | 'offline' | 'server' | 'bounced' | 'dropped';

export const stanzasRouted = new Counter({
  name: 'pampero_router_stanzas_total',
  help: 'Stanzas routed, by kind (message, presence, iq) and where they went',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const stanzaErrorsSent = new Counter({
  name: 'pampero_router_stanza_errors_total',
  help: 'Stanza errors the router answered with, by condition',
  labelNames: ['condition'] as const,
  registers: [metricsRegistry],
});

export const componentLinksUp = new Gauge({
  name: 'pampero_component_links',
  help: 'Live XEP-0114 links, by component domain',
  labelNames: ['domain'] as const,
  registers: [metricsRegistry],
});

export const componentQueueRefusals = new Counter({
  name: 'pampero_component_queue_refusals_total',
  help: 'Stanzas refused because a component link queue was full, by domain',
  labelNames: ['domain'] as const,
  registers: [metricsRegistry],
});

export const boundSessions = new Gauge({
  name: 'pampero_router_sessions',
  help: 'Resources bound on this router',
  registers: [metricsRegistry],
});

export const offlineStored = new Counter({
  name: 'pampero_offline_messages_stored_total',
  help: 'Messages stored for offline users (XEP-0160)',
  registers: [metricsRegistry],
});

export const delegatedIqTimeouts = new Counter({
  name: 'pampero_delegated_iq_timeouts_total',
  help: 'Roster IQs delegated to the roster component that got no answer in time',
  registers: [metricsRegistry],
});
