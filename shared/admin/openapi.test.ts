// docs/admin-api.openapi.yaml stays true: every route the admin API registers is described there.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { defaultConfig } from '../config/defaults.js';
import { createLogger } from '../log.js';
import type { AdminContext } from './admin-context.js';
import type { AdminRoutes, Method } from './admin-http.js';
import { registerClusterApi } from './cluster-api.js';
import { registerIncidentsApi } from './incidents-api.js';
import { registerSuspensionsApi } from './suspensions-api.js';
import { registerComponentsApi } from './components-api.js';
import { registerSessionsApi } from './sessions-api.js';
import { registerUsersApi } from './users-api.js';
import { registerRateLimitsApi } from './rate-limits-api.js';
import { registerHealthSnapshotsApi } from './health-snapshots-api.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HTTP: Record<Method, string> = { get: 'get', post: 'post', put: 'put', del: 'delete' };

test('every admin API route is in docs/admin-api.openapi.yaml, and every documented path exists', async () => {
  const routes: Array<[string, string]> = [];
  const recorder: AdminRoutes = { add: (method, pattern) => void routes.push([HTTP[method], pattern]) };
  const ctx = { config: defaultConfig(), router: {} as never, stores: {} as never, logger: createLogger('silent') } as AdminContext;
  registerUsersApi(recorder, ctx);
  registerSessionsApi(recorder, ctx);
  registerComponentsApi(recorder, ctx);
  const cluster = registerClusterApi(recorder, ctx);
  const rateLimits = registerRateLimitsApi(recorder, ctx);
  registerIncidentsApi(recorder, ctx);
  registerSuspensionsApi(recorder, ctx);
  await registerHealthSnapshotsApi(recorder, ctx).close();
  await cluster.close();
  await rateLimits.close();

  const spec = parse(readFileSync(join(root, 'docs', 'admin-api.openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const documented = new Set(Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).filter((k) => k !== 'parameters').map((m) => `${m} ${path}`)));
  const registered = routes
    .filter(([, pattern]) => !pattern.endsWith('/*'))
    .map(([method, pattern]) => `${method} ${pattern.replace('/admin/api', '').replace(/:([a-z]+)/g, '{$1}')}`);
  for (const route of registered) expect(documented).toContain(route);
  for (const path of Object.keys(spec.paths)) expect(routes.some(([, p]) => p.replace('/admin/api', '').replace(/:([a-z]+)/g, '{$1}') === path)).toBe(true);
});
