// Federation's Prometheus metrics (docs/metrics.md, docs/s2s.md), declared where the work is done.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';

export const s2sStreams = new Gauge({
  name: 'pampero_s2s_streams',
  help: 'Server-to-server streams open on this node, by direction (in, out)',
  labelNames: ['direction'] as const,
  registers: [metricsRegistry],
});

export const s2sStanzas = new Counter({
  name: 'pampero_s2s_stanzas_total',
  help: 'Stanzas handed to remote servers (out) and accepted from them (in)',
  labelNames: ['direction'] as const,
  registers: [metricsRegistry],
});

export const s2sBounces = new Counter({
  name: 'pampero_s2s_bounces_total',
  help: 'Stanzas for remote domains answered with an error, by condition',
  labelNames: ['condition'] as const,
  registers: [metricsRegistry],
});

export const s2sDialback = new Counter({
  name: 'pampero_s2s_dialback_total',
  help: 'Dialback checks of remote domains on inbound streams, by outcome (valid, invalid, error)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const s2sSaslExternal = new Counter({
  name: 'pampero_s2s_sasl_external_total',
  help: 'SASL EXTERNAL (certificate) authentications on s2s streams, by direction (in: a remote authenticated to us, out: we to a remote) and outcome (success, failure)',
  labelNames: ['direction', 'outcome'] as const,
  registers: [metricsRegistry],
});
