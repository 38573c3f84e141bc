// /metrics (Prometheus, prom-client), /healthz (alive) and /readyz (ready for traffic) that every
// process serves. Plain node:http for now; the web transports will serve these on uWebSockets.js.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'pampero_' });

export interface HealthEndpoints {
  address(): AddressInfo;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

export async function startHealthEndpoints(host: string, port: number): Promise<HealthEndpoints> {
  let ready = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      metricsRegistry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve());
  });
  return {
    address: () => server.address() as AddressInfo,
    setReady: (value) => { ready = value; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
