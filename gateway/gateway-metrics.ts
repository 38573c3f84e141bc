// The gateway's Prometheus metrics, declared where the connections are served (docs/metrics.md):
// connections and sessions by transport, SASL logins by mechanism, stanzas in and out by kind,
// the router's latency for a client's stanza, output cut-offs per transport.
//
// Hot path: every labelled child is bound once here (`.labels(...)`), so counting a stanza is a
// property lookup and an increment, with no label object built per stanza.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';
import { routingFromClient } from '../shared/router/router-metrics.js';
import { HotCounter, HotGauge, type HotCounterChild } from '../shared/metrics/hot-path-metrics.js';

/** How a client reached us: `tcp` is the STARTTLS port (5222, TLS or not), `tls` the direct TLS port (5223). */
export type TransportKind = 'tcp' | 'tls' | 'websocket' | 'bosh';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['tcp', 'tls', 'websocket', 'bosh'];
const STANZA_KINDS = ['message', 'presence', 'iq'] as const;
type StanzaKind = (typeof STANZA_KINDS)[number];

// ---- connections (sampled at scrape time from the listeners, no per-connection cost) ----------

type Counts = Partial<Record<TransportKind, number>>;
type ConnectionSource = () => Counts | Promise<Counts>;
const connectionSources = new Set<ConnectionSource>();

/** A listener reports its open connections; the returned function stops it (on close). */
export function reportConnections(source: ConnectionSource): () => void {
  connectionSources.add(source);
  return () => connectionSources.delete(source);
}

new Gauge({
  name: 'pampero_c2s_connections',
  help: 'Open client connections (BOSH: sessions), by transport',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
  async collect() {
    const totals: Record<TransportKind, number> = { tcp: 0, tls: 0, websocket: 0, bosh: 0 };
    for (const source of connectionSources) {
      const counts = await source();
      for (const kind of TRANSPORT_KINDS) totals[kind] += counts[kind] ?? 0;
    }
    for (const kind of TRANSPORT_KINDS) this.labels(kind).set(totals[kind]);
  },
});

// Per connection and per login: hot-path metrics too (no label hashing per login).
const connectionsOpened = new HotCounter({
  name: 'pampero_c2s_connections_opened_total',
  help: 'Client connections accepted (BOSH: sessions created), by transport',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
});

const sessionsBound = new HotGauge({
  name: 'pampero_c2s_sessions',
  help: 'Client sessions with a bound resource (hibernated XEP-0198 sessions included), by transport',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
});

// Per stanza: hot-path counters (plain numbers, read at scrape time).
const stanzasReceived = new HotCounter({
  name: 'pampero_c2s_stanzas_received_total',
  help: 'Stanzas received from clients and handed to the router, by transport and kind',
  labelNames: ['transport', 'kind'] as const,
  registers: [metricsRegistry],
});

const stanzasSent = new HotCounter({
  name: 'pampero_c2s_stanzas_sent_total',
  help: 'Stanzas sent (or queued while hibernated) to clients, by transport and kind',
  labelNames: ['transport', 'kind'] as const,
  registers: [metricsRegistry],
});

const outputCutOffs = new Counter({
  name: 'pampero_c2s_output_overflows_total',
  help: 'Clients cut off because they did not read their output (bounded write buffer full), by transport',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
});

const loginsTotal = new HotCounter({
  name: 'pampero_c2s_logins_total',
  help: 'Successful SASL authentications, by mechanism',
  labelNames: ['mechanism'] as const,
  registers: [metricsRegistry],
});

const loginFailures = new Counter({
  name: 'pampero_c2s_login_failures_total',
  help: 'Failed SASL authentications, by mechanism and SASL condition (RFC 6120 §6.5)',
  labelNames: ['mechanism', 'condition'] as const,
  registers: [metricsRegistry],
});

const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'HT-SHA-256-NONE'] as const; // the last: XEP-0484 FAST
const logins = Object.fromEntries(SASL_MECHANISMS.map((m) => [m, loginsTotal.labels(m)])) as Record<string, HotCounterChild>;

/** Counts one SASL outcome; unknown mechanisms are counted as `other` (bounded label values). */
export function countLogin(mechanism: string | undefined, failure?: string): void {
  const label = mechanism && (SASL_MECHANISMS as readonly string[]).includes(mechanism) ? mechanism : 'other';
  if (failure === undefined) (logins[label] ?? loginsTotal.labels(label)).inc();
  else loginFailures.labels(label, failure).inc();
}

type KindTable = Record<StanzaKind, HotCounterChild>;

/** Pre-bound metrics of one transport; one shared object per transport, none per session. */
export interface TransportMeters {
  readonly transport: TransportKind;
  opened(): void;
  bound(): void;
  unbound(): void;
  stanzaIn(kind: string): void;
  stanzaOut(kind: string): void;
  overflow(): void;
  /** Observes the router's time for one stanza; `startedAt` is a performance.now() reading. */
  routed(startedAt: number): void;
}

function kindTable(counter: HotCounter<'transport' | 'kind'>, transport: TransportKind): KindTable {
  return { message: counter.labels(transport, 'message'), presence: counter.labels(transport, 'presence'), iq: counter.labels(transport, 'iq') };
}

function metersFor(transport: TransportKind): TransportMeters {
  const opened = connectionsOpened.labels(transport);
  const sessions = sessionsBound.labels(transport);
  const received = kindTable(stanzasReceived, transport);
  const sent = kindTable(stanzasSent, transport);
  const overflow = outputCutOffs.labels(transport);
  return {
    transport,
    opened: () => opened.inc(),
    bound: () => sessions.inc(),
    unbound: () => sessions.dec(),
    stanzaIn: (kind) => received[kind as StanzaKind]?.inc(),
    stanzaOut: (kind) => sent[kind as StanzaKind]?.inc(),
    overflow: () => overflow.inc(),
    routed: (startedAt) => routingFromClient.observe((performance.now() - startedAt) / 1000),
  };
}

const METERS = Object.fromEntries(TRANSPORT_KINDS.map((t) => [t, metersFor(t)])) as Record<TransportKind, TransportMeters>;

export function transportMeters(transport: TransportKind = 'tcp'): TransportMeters {
  return METERS[transport];
}
