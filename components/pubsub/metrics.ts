// The pubsub component's metrics, declared where the work is done (STYLE.md lesson 8).
import { Counter } from 'prom-client';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { HotGauge } from '../../shared/metrics/hot-path-metrics.js';

export const pubsubRequests = new Counter({
  name: 'pampero_pubsub_requests_total',
  help: 'Requests handled by the pubsub component, by operation (e.g. iq/set/publish)',
  labelNames: ['op'] as const,
  registers: [metricsRegistry],
});

export const pubsubShed = new Counter({
  name: 'pampero_pubsub_shed_total',
  help: 'Requests refused because a node queue was full (answered resource-constraint)',
  registers: [metricsRegistry],
});

export const pubsubHandlerErrors = new Counter({
  name: 'pampero_pubsub_handler_errors_total',
  help: 'Requests whose handler failed unexpectedly (answered internal-server-error)',
  registers: [metricsRegistry],
});

// Changed for every presence copy (each login and logout): hot-path gauges.
export const pubsubQueued = new HotGauge({
  name: 'pampero_pubsub_queued_tasks',
  help: 'Pubsub tasks queued or running',
  labelNames: [],
  registers: [metricsRegistry],
}).labels();

export const pubsubSendFailures = new Counter({
  name: 'pampero_pubsub_send_failures_total',
  help: 'Stanzas the pubsub component could not write to its router link',
  registers: [metricsRegistry],
});

export const pepTrackedResources = new HotGauge({
  name: 'pampero_pubsub_pep_resources',
  help: 'Available local resources whose presence and caps PEP tracks (all PEP tables of this process)',
  labelNames: [],
  registers: [metricsRegistry],
}).labels();

export const pepCapsQueries = new Counter({
  name: 'pampero_pubsub_pep_caps_queries_total',
  help: 'disco#info queries sent to resolve a caps hash, by outcome (resolved, unverified, failed, timeout)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
