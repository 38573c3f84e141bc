// The admin HTTP API and web console on a listener of their own (admin.host:admin.port,
// loopback by default), off unless admin.token is set. A separate listener rather than the
// public HTTP port: the client-facing port (WebSocket, BOSH) usually faces the Internet, the
// admin one must not. See docs/admin-api.md and docs/admin-api.openapi.yaml.
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import uws from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { adminRoutes, sendJson, sendRaw } from './admin-http.js';
import type { AdminContext } from './admin-context.js';
import { registerClusterApi } from './cluster-api.js';
import { registerIncidentsApi } from './incidents-api.js';
import { registerSuspensionsApi } from './suspensions-api.js';
import { registerComponentsApi } from './components-api.js';
import { registerSessionsApi } from './sessions-api.js';
import { registerUsersApi } from './users-api.js';
import { registerRateLimitsApi } from './rate-limits-api.js';
import { registerHealthSnapshotsApi } from './health-snapshots-api.js';
import type { NodeHealth } from '../cluster/node-heartbeat.js';

export type { AdminContext } from './admin-context.js';

export interface AdminServer {
  address(): AddressInfo;
  /** ok, or draining after POST /admin/api/drain (for the node's heartbeat). */
  health(): NodeHealth;
  close(): Promise<void>;
}

const CONSOLE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'rate-limits.js': 'text/javascript; charset=utf-8',
  'incidents.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The console's folder: beside this file in the sources; from dist/, the sources' copy. */
function consoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'console'), join(here, '..', '..', '..', 'shared', 'admin', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** The console may load only its own files and call only its own origin. */
const CONSOLE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"],
];

/**
 * Starts the admin listener; undefined when admin.token is empty or admin.port is 0 (disabled).
 * Roles call it once their router and stores are up.
 */
export async function attachAdmin(ctx: AdminContext): Promise<AdminServer | undefined> {
  const { host, port, token } = ctx.config.admin;
  const log = ctx.logger.child({ module: 'admin' });
  if (!token || port === 0) {
    log.debug('admin API disabled (admin.token empty or admin.port 0)');
    return undefined;
  }
  const app = uws.App();
  const routes = adminRoutes(app, token, log);
  registerUsersApi(routes, ctx);
  registerSessionsApi(routes, ctx);
  registerComponentsApi(routes, ctx);
  const cluster = registerClusterApi(routes, { ...ctx, logger: log });
  const rateLimits = registerRateLimitsApi(routes, { ...ctx, logger: log });
  registerIncidentsApi(routes, ctx);
  registerSuspensionsApi(routes, ctx);
  const healthSnapshots = registerHealthSnapshotsApi(routes, { ...ctx, logger: log });
  routes.add('get', '/admin/api', () => ({ status: 200, body: { api: 'pampero-admin', version: 1, openapi: '/admin/openapi.yaml' } }));
  app.any('/admin/api/*', (res) => sendJson(res, 404, { error: 'not-found', message: 'No such admin API endpoint (see docs/admin-api.md)' }));

  // The console: static files, read once. It holds no secret; the token is typed in by the admin.
  const dir = consoleDir();
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(CONSOLE_FILES)) files.set(name, readFileSync(join(dir, name)));
  const openapiFile = join(dir, '..', '..', '..', 'docs', 'admin-api.openapi.yaml');
  const openapi = existsSync(openapiFile) ? readFileSync(openapiFile) : undefined;
  app.get('/admin', (res) => sendRaw(res, 301, '', '', [['Location', '/admin/']]));
  app.get('/admin/', (res) => sendRaw(res, 200, CONSOLE_FILES['index.html']!, files.get('index.html')!, CONSOLE_HEADERS));
  for (const name of Object.keys(CONSOLE_FILES)) {
    app.get(`/admin/${name}`, (res) => sendRaw(res, 200, CONSOLE_FILES[name]!, files.get(name)!, CONSOLE_HEADERS));
  }
  app.get('/admin/openapi.yaml', (res) => (openapi ? sendRaw(res, 200, 'application/yaml', openapi) : sendJson(res, 404, { error: 'not-found' })));
  app.any('/*', (res) => sendJson(res, 404, { error: 'not-found', message: 'The admin console is at /admin/, the API under /admin/api/' }));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(host, port, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${host}:${port} (admin API)`))));
  });
  const boundPort = uws.us_socket_local_port(listenSocket as never);
  log.info({ host, port: boundPort }, 'admin API and console listening');
  let closed = false;
  return {
    address: () => ({ address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port: boundPort }),
    health: cluster.health,
    close: async () => {
      if (closed) return;
      closed = true;
      uws.us_listen_socket_close(listenSocket);
      await cluster.close();
      await rateLimits.close();
      await healthSnapshots.close();
    },
  };
}
