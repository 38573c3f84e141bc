// The HTTP port every process serves, on uWebSockets.js (../../shared/anchors/node-limits.md §3:
// ≈0.7 KiB per idle WebSocket against ≈5 KiB for `ws`, 1.7× the messages per core):
// /metrics (Prometheus, prom-client), /healthz (alive), /readyz (ready for traffic), CORS
// preflight for web clients. The gateway attaches its web transports (WebSocket, BOSH,
// host-meta) to the same app (gateway/web-transports.ts).
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import uws from 'uWebSockets.js';
import type { HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'pampero_' });

/** What browsers need to call us from a page of another origin (XEP-0156 §3, XEP-0124 §… CORS). */
export const CORS_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS'],
  ['Access-Control-Allow-Headers', 'Content-Type, Authorization'],
  ['Access-Control-Max-Age', '86400'],
];

export type HealthState = 'starting' | 'ready' | 'draining';

export interface HttpTlsOptions {
  certFile: string;
  keyFile: string;
}

export interface HealthEndpoints {
  /** The uWS app, for other routes (web transports) to attach to. */
  readonly app: TemplatedApp;
  /** Served over TLS (uWS SSLApp). */
  readonly secure: boolean;
  address(): AddressInfo;
  setReady(ready: boolean): void;
  /**
   * Draining (before a rolling update): /readyz answers 503 `draining` from now on, so load
   * balancers send no new clients; the onDrain hooks (shared/cluster/drain.ts) move the sessions already here. Hooks run once.
   */
  drain(): Promise<void>;
  /** Called when draining starts (listeners may stop accepting, components detach, …). */
  onDrain(hook: () => void | Promise<void>): void;
  /** starting (not ready yet), ready, or draining. */
  readonly state: HealthState;
  /**
   * A dependency the node cannot serve without (the roster component, the fleet's Redis): while
   * `isUp()` is false, /readyz answers 503 `NAME down`. Checked at each /readyz request.
   */
  addReadinessCheck(name: string, isUp: () => boolean): void;
  /** Names of the dependencies that are down now. */
  dependenciesDown(): string[];
  /** Called on close, before the listen socket closes (web transports close their connections). */
  onClose(hook: () => void | Promise<void>): void;
  close(): Promise<void>;
}

/** Writes a complete response with the CORS headers; `res` must not have been aborted. */
export function sendResponse(res: HttpResponse, status: string, contentType: string, body: string | Buffer): void {
  res.cork(() => {
    res.writeStatus(status);
    for (const [name, value] of CORS_HEADERS) res.writeHeader(name, value);
    if (contentType) res.writeHeader('Content-Type', contentType);
    res.end(body);
  });
}

export async function startHealthEndpoints(host: string, port: number, tls?: HttpTlsOptions): Promise<HealthEndpoints> {
  let ready = false;
  let draining = false;
  const drainHooks: Array<() => void | Promise<void>> = [];
  const checks: Array<{ name: string; isUp: () => boolean }> = [];
  const dependenciesDown = () => checks.filter((c) => !c.isUp()).map((c) => c.name);
  const app = tls ? uws.SSLApp({ cert_file_name: tls.certFile, key_file_name: tls.keyFile }) : uws.App();
  app.get('/healthz', (res) => sendResponse(res, '200 OK', 'text/plain', 'ok\n'));
  app.get('/readyz', (res) => {
    if (draining) return sendResponse(res, '503 Service Unavailable', 'text/plain', 'draining\n');
    const down = ready ? dependenciesDown() : [];
    if (down.length > 0) return sendResponse(res, '503 Service Unavailable', 'text/plain', `${down.map((name) => `${name} down`).join(', ')}\n`);
    sendResponse(res, ready ? '200 OK' : '503 Service Unavailable', 'text/plain', ready ? 'ready\n' : 'not ready\n');
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    metricsRegistry.metrics().then(
      (body) => aborted || sendResponse(res, '200 OK', metricsRegistry.contentType, body),
      () => aborted || sendResponse(res, '500 Internal Server Error', 'text/plain', 'metrics failed\n'),
    );
  });
  // CORS preflight for any path (the web transports' POST with Content-Type: text/xml needs one).
  app.options('/*', (res) => sendResponse(res, '204 No Content', '', ''));
  app.any('/*', (res) => sendResponse(res, '404 Not Found', 'text/plain', 'not found\n'));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${host}:${port} (HTTP)`))));
  });
  const boundPort = uws.us_socket_local_port(listenSocket as never);
  const hooks: Array<() => void | Promise<void>> = [];
  let closed = false;
  return {
    app,
    secure: tls !== undefined,
    address: () => ({ address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port: boundPort }),
    setReady: (value) => { ready = value; },
    get state(): HealthState {
      return draining ? 'draining' : ready ? 'ready' : 'starting';
    },
    drain: async () => {
      if (draining) return;
      draining = true;
      ready = false;
      for (const hook of drainHooks) await hook();
    },
    onDrain: (hook) => { drainHooks.push(hook); },
    addReadinessCheck: (name, isUp) => { checks.push({ name, isUp }); },
    dependenciesDown,
    onClose: (hook) => { hooks.push(hook); },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const hook of hooks) await hook();
      uws.us_listen_socket_close(listenSocket);
    },
  };
}
