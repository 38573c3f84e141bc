// The gateway's web transports on the process's uWS HTTP app (shared/metrics/http-endpoints.ts):
// WebSocket (RFC 7395) at /xmpp-websocket, BOSH (XEP-0124/0206) at /http-bind, and XEP-0156
// host-meta pointing at both. CORS for all of them is in http-endpoints.ts.
import type { HttpConfig } from '../shared/config/types.js';
import type { HealthEndpoints } from '../shared/metrics/http-endpoints.js';
import type { ParserLimits } from '../shared/xml/stream-parser.js';
import type { ClientSessionOptions } from './client-session.js';
import { attachBosh } from './bosh/bosh-endpoint.js';
import type { BoshLimits } from './bosh/bosh-session.js';
import { inMemoryBoshSessionStore, type BoshSessionStore } from './bosh/bosh-session-store.js';
import { attachHostMeta } from './host-meta.js';
import { attachWebSocket } from './websocket-transport.js';
import { reportConnections } from './gateway-metrics.js';

export const DEFAULT_WEBSOCKET_PATH = '/xmpp-websocket';
export const DEFAULT_BOSH_PATH = '/http-bind';

export const DEFAULT_BOSH_LIMITS: BoshLimits = {
  maxWaitSeconds: 60,
  maxHold: 1,
  inactivitySeconds: 60,
  pollingSeconds: 2,
  maxPauseSeconds: 120,
  maxQueuedBytes: 1024 * 1024,
};

/** The BOSH limits configured under `http.*` (docs/configuration.md). */
export function boshLimitsFromConfig(http: HttpConfig): Partial<BoshLimits> {
  return {
    maxWaitSeconds: http.boshMaxWaitSeconds,
    inactivitySeconds: http.boshInactivitySeconds,
    maxPauseSeconds: http.boshMaxPauseSeconds,
    pollingSeconds: http.boshPollingSeconds,
  };
}

export interface WebTransportOptions extends ClientSessionOptions {
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  allowPlainFromLoopback: boolean;
  websocketPath?: string;
  boshPath?: string;
  /** Seconds of silence before uWS pings a WebSocket client (and drops it if it stays silent). */
  websocketIdleSeconds?: number;
  /** RFC 7395 §3.6.1 redirect for every WebSocket client; empty: none. */
  seeOtherUri?: string;
  /** Public base URL for host-meta (behind a proxy); empty: from the Host header. */
  publicUrl?: string;
  bosh?: Partial<BoshLimits>;
  boshStore?: BoshSessionStore;
}

export interface WebTransports {
  /** Open WebSocket connections and BOSH sessions. */
  connections(): { websocket: number; bosh: number };
  close(): void;
}

export function attachWebTransports(http: HealthEndpoints, opts: WebTransportOptions): WebTransports {
  const websocketPath = opts.websocketPath ?? DEFAULT_WEBSOCKET_PATH;
  const boshPath = opts.boshPath ?? DEFAULT_BOSH_PATH;
  const websocket = attachWebSocket(http.app, {
    ...opts,
    transportKind: 'websocket',
    path: websocketPath,
    secure: http.secure,
    idleTimeoutSeconds: opts.websocketIdleSeconds ?? 120,
    seeOtherUri: opts.seeOtherUri ?? '',
  });
  const bosh = attachBosh(http.app, {
    ...opts,
    transportKind: 'bosh',
    path: boshPath,
    secure: http.secure,
    bosh: { ...DEFAULT_BOSH_LIMITS, maxQueuedBytes: opts.maxWriteBufferBytes, ...opts.bosh },
    store: opts.boshStore ?? inMemoryBoshSessionStore(),
  });
  attachHostMeta(http.app, { websocketPath, boshPath, secure: http.secure, publicUrl: opts.publicUrl ?? '' });
  const stopReporting = reportConnections(() => transports.connections());
  const transports: WebTransports = {
    connections: () => ({ websocket: websocket.connections(), bosh: bosh.sessions() }),
    close: () => {
      stopReporting();
      websocket.close();
      bosh.close();
    },
  };
  http.onClose(() => transports.close());
  return transports;
}
