// The c2s listeners: STARTTLS on one port (RFC 6120 §5), direct TLS on another (XEP-0368).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { C2sConnection, type C2sOptions } from './c2s-connection.js';
import { SocketWriter } from './socket-writer.js';

export interface C2sListenerOptions extends Omit<C2sOptions, 'plainAllowed'> {
  host: string;
  port: number;
  tlsPort: number;
  allowPlainFromLoopback: boolean;
  /** PEM certificate chain and key for direct TLS (the server's own context, not `secureContext`). */
  certificate: { cert: string | Buffer; key: string | Buffer };
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export interface C2sListeners {
  /** Bound addresses, e.g. for the start banner. */
  addresses(): { starttls?: AddressInfo; directTls?: AddressInfo };
  connections(): number;
  close(): Promise<void>;
}

export async function startC2sListeners(opts: C2sListenerOptions): Promise<C2sListeners> {
  const live = new Set<C2sConnection>();
  const open = (socket: Socket, secure: boolean) => {
    socket.setNoDelay(true);
    const plainAllowed = opts.allowPlainFromLoopback && isLoopback(socket.remoteAddress);
    const connection = new C2sConnection(socket, secure, { ...opts, plainAllowed }, (s, onOverflow) => new SocketWriter(s, opts.maxWriteBufferBytes, onOverflow));
    live.add(connection);
    socket.once('close', () => live.delete(connection));
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
    direct = createTlsServer({ ...opts.certificate, ALPNProtocols: ['xmpp-client'] }, (socket) => open(socket, true));
    direct.on('tlsClientError', () => {}); // a failed handshake is the client's problem, not ours
    await listen(direct, opts.tlsPort, opts.host);
    servers.push(direct);
  }
  return {
    addresses: () => ({ starttls: starttls?.address() as AddressInfo | undefined, directTls: direct?.address() as AddressInfo | undefined }),
    connections: () => live.size,
    close: async () => {
      for (const c of live) c.terminate('system-shutdown');
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
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
