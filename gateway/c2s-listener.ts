// The c2s listeners: STARTTLS on one port (RFC 6120 §5), direct TLS on another (XEP-0368).
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { C2sConnection, type C2sOptions } from './c2s-connection.js';
import { reportConnections, transportMeters } from './gateway-metrics.js';
import { admitSocket, refuseSocket } from '../shared/abuse/admit-socket.js';

export interface C2sListenerOptions extends Omit<C2sOptions, 'plainAllowed'> {
  host: string;
  port: number;
  tlsPort: number;
  allowPlainFromLoopback: boolean;
}

/** XEP-0368 §3: the ALPN protocol of direct TLS. */
const DIRECT_TLS_ALPN = ['xmpp-client'];

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export interface C2sListeners {
  /** Bound addresses, e.g. for the start banner. */
  addresses(): { starttls?: AddressInfo; directTls?: AddressInfo };
  connections(): number;
  /**
   * Draining: no new connections, and every client is told to go elsewhere — `<see-other-host>`
   * with `redirect` (host:port) when given, else `system-shutdown` (RFC 6120 §4.9.3).
   */
  drain(redirect?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startC2sListeners(opts: C2sListenerOptions): Promise<C2sListeners> {
  const live = new Set<C2sConnection>();
  // By port, for the metrics: `tcp` is the STARTTLS port (also once upgraded), `tls` the direct TLS port.
  // One options object per (port, plain allowed), shared by its connections: a copy per connection
  // cost every idle session a few hundred bytes (docs/benchmarks.md, idle sessions).
  const meteredBy = { tcp: transportMeters('tcp'), tls: transportMeters('tls') };
  const onClosed = (connection: C2sConnection) => live.delete(connection);
  const optionsFor = (kind: 'tcp' | 'tls', plainAllowed: boolean): C2sOptions => ({ ...opts, plainAllowed, transportKind: meteredBy[kind].transport, onClosed });
  const shared = { tcp: [optionsFor('tcp', false), optionsFor('tcp', true)], tls: [optionsFor('tls', false), optionsFor('tls', true)] };
  const accept = (socket: Socket, secure: boolean) => {
    socket.setNoDelay(true);
    const plainAllowed = opts.allowPlainFromLoopback && isLoopback(socket.remoteAddress);
    const kind = secure ? 'tls' : 'tcp';
    // The connection makes its own writer and counts its overflow: no closures per connection.
    const connection = new C2sConnection(socket, secure, shared[kind][plainAllowed ? 1 : 0]!);
    live.add(connection);
    return connection;
  };
  // Abuse control (docs/abuse.md) decides first; a refused client gets a policy-violation stream
  // error and no session.
  const open = (socket: Socket, secure: boolean) => {
    if (!opts.abuse) return void accept(socket, secure);
    admitSocket(opts.abuse, socket, (refusal) => {
      if (refusal) return refuseSocket(socket, opts.domain, refusal);
      accept(socket, secure);
    });
  };
  const servers: Server[] = [];
  let starttls: Server | undefined;
  let direct: Server | undefined;
  if (opts.port > 0) {
    starttls = createServer((socket) => open(socket, false));
    await listen(starttls, opts.port, opts.host);
    servers.push(starttls);
  }
  if (opts.tlsPort > 0) {
    // Accepted as TCP and wrapped as STARTTLS does, not by a tls.Server: the session's
    // authentication timer starts with the connection and bounds the handshake too, so no handshake
    // timer is needed — a tls.Server's left every session's socket holding a cleared Timeout and
    // an event table in dictionary mode (770 B per idle session; docs/benchmarks.md, twenty-sixth
    // session). A failed handshake ends the connection as any socket error does.
    direct = createServer((socket) => open(new TLSSocket(socket, { isServer: true, secureContext: opts.secureContext, ALPNProtocols: DIRECT_TLS_ALPN }), true));
    await listen(direct, opts.tlsPort, opts.host);
    servers.push(direct);
  }
  // The servers count their sockets themselves (also through STARTTLS, which replaces the socket's listeners).
  const stopReporting = reportConnections(async () => ({ tcp: await connectionsOf(starttls), tls: await connectionsOf(direct) }));
  return {
    addresses: () => ({ starttls: starttls?.address() as AddressInfo | undefined, directTls: direct?.address() as AddressInfo | undefined }),
    connections: () => live.size,
    drain: async (redirect) => {
      const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const c of live) {
        if (redirect) c.terminate('see-other-host', redirect);
        else c.terminate('system-shutdown');
      }
      await Promise.all(closing);
    },
    close: async () => {
      stopReporting();
      for (const c of live) c.terminate('system-shutdown');
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

function connectionsOf(server: Server | undefined): Promise<number> {
  if (!server) return Promise.resolve(0);
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 1024 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
