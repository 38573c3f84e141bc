// The router's Prometheus metrics, declared where the routing is done (docs/metrics.md).
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import { HotCounter, HotGauge, HotHistogram, type HotCounterChild } from '../metrics/hot-path-metrics.js';

export type RouteOutcome = 'local' | 'component' | 'remote' | 'offline' | 'server' | 'bounced' | 'dropped';

/** Counted per stanza: a hot-path counter (shared/metrics/hot-path-metrics.ts). */
export const stanzasRouted = new HotCounter({
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

/** Set at every bind and unbind: a hot-path gauge (no label hashing per login). */
export const boundSessions = new HotGauge({
  name: 'pampero_router_sessions',
  help: 'Resources bound on this router',
  labelNames: [],
  registers: [metricsRegistry],
}).labels();

export const offlineStored = new Counter({
  name: 'pampero_offline_messages_stored_total',
  help: 'Messages stored for offline users (XEP-0160)',
  registers: [metricsRegistry],
});

export const delegatedIqTimeouts = new Counter({
  name: 'pampero_delegated_iq_timeouts_total',
  help: 'IQs delegated to the roster component (roster) or the PubSub component (PEP) that got no answer in time',
  registers: [metricsRegistry],
});

/**
 * Time from a stanza's arrival at the router (`Router.fromClient`, `Router.fromComponent`) until
 * the router has handed it off (queued for a session or a component link, handed to offline
 * storage or to a server-domain handler). Work that continues asynchronously (storage writes,
 * server IQ answers) is not included: storage has its own histogram.
 */
export const routingSeconds = new HotHistogram({
  name: 'pampero_router_routing_seconds',
  help: "Time the router takes from a stanza's arrival to its hand-off, by source (client, component)",
  labelNames: ['source'] as const,
  buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
  registers: [metricsRegistry],
});
/** Bound once: observing is then one call, with no label object per stanza. */
export const routingFromClient = routingSeconds.labels('client');
export const routingFromComponent = routingSeconds.labels('component');

/** Stanzas waiting in component links' bounded queues, by domain; sampled at scrape time. */
type QueueSource = () => Array<{ domain: string; queued: number }>;
const componentQueueSources = new Set<QueueSource>();
export function reportComponentQueues(source: QueueSource): () => void {
  componentQueueSources.add(source);
  return () => componentQueueSources.delete(source);
}
new Gauge({
  name: 'pampero_component_queued_stanzas',
  help: 'Stanzas waiting in the bounded queues of component links, by domain',
  labelNames: ['domain'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const source of componentQueueSources) {
      for (const { domain, queued } of source()) this.labels(domain).inc(queued);
    }
  },
});

/** `stanzasRouted` children bound once per kind and outcome: counting a routed stanza allocates nothing. */
const ROUTED: Record<string, Record<RouteOutcome, HotCounterChild>> = Object.fromEntries(
  ['message', 'presence', 'iq'].map((kind) => [
    kind,
    Object.fromEntries((['local', 'component', 'offline', 'server', 'bounced', 'dropped'] as const).map((o) => [o, stanzasRouted.labels(kind, o)])),
  ]),
) as Record<string, Record<RouteOutcome, HotCounterChild>>;

export function countRouted(kind: string, outcome: RouteOutcome): void {
  (ROUTED[kind]?.[outcome] ?? stanzasRouted.labels(kind, outcome)).inc();
}
