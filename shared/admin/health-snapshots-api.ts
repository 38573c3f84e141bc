// /admin/api/health-snapshots: the health snapshots the nodes wrote (docs/metrics.md), newest
// first, from the store this node writes to or, when it writes none, the one its configuration
// names (the embedded store, or Elasticsearch with healthSnapshots.elasticsearchUrl).
import type { HealthSnapshotFilter, HealthSnapshotStore } from '../health/health-snapshot.js';
import { openHealthSnapshotStore } from '../health/open-health-snapshot-store.js';
import { AdminError, limitParam, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

export function registerHealthSnapshotsApi(routes: AdminRoutes, ctx: AdminContext): { close(): Promise<void> } {
  let opened: Promise<HealthSnapshotStore> | undefined;
  const store = async () => ctx.healthSnapshots ?? (await (opened ??= openHealthSnapshotStore(ctx.config, ctx.stores.accountData, ctx.logger)));

  routes.add('get', '/admin/api/health-snapshots', async ({ query }) => {
    const filter: HealthSnapshotFilter = { limit: limitParam(query, 100, 1000) };
    const node = query.get('node');
    if (node) filter.node = node;
    const since = query.get('since');
    if (since) {
      const time = Date.parse(since);
      if (Number.isNaN(time)) throw new AdminError(400, `since: ${JSON.stringify(since)} is not an ISO 8601 time`);
      filter.since = new Date(time);
    }
    return { status: 200, body: { writing: ctx.healthSnapshots !== undefined, snapshots: await (await store()).search(filter) } };
  });

  return { close: async () => (opened ? (await opened).close() : undefined) };
}
