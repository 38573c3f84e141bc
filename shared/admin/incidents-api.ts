// /admin/api/incidents: the incident store (docs/abuse.md) searched on the running service —
// what `pampero incidents` does: XEP-0377 spam and abuse reports, abuse events.
import { embeddedIncidentStore } from '../abuse/incidents/embedded-incident-store.js';
import type { IncidentFilter, IncidentStore } from '../abuse/incidents/incident-store.js';
import { AdminError, limitParam, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

export function registerIncidentsApi(routes: AdminRoutes, ctx: AdminContext): void {
  let fallback: IncidentStore | undefined;
  const store = () => ctx.router.options?.incidents ?? (fallback ??= embeddedIncidentStore(ctx.stores.accountData));

  routes.add('get', '/admin/api/incidents', async ({ query }) => {
    const filter: IncidentFilter = { limit: limitParam(query, 50, 1000) };
    for (const field of ['reporter', 'offender', 'reason'] as const) {
      const value = query.get(field);
      if (value) filter[field] = value;
    }
    const since = query.get('since');
    if (since) {
      const time = Date.parse(since);
      if (Number.isNaN(time)) throw new AdminError(400, `since: ${JSON.stringify(since)} is not an ISO 8601 time`);
      filter.since = new Date(time);
    }
    return { status: 200, body: { incidents: await store().search(filter) } };
  });

  routes.add('get', '/admin/api/incidents/:id', async ({ params }) => {
    const incident = await store().get(params[0]!);
    if (!incident) throw new AdminError(404, `no incident ${params[0]}`);
    return { status: 200, body: incident };
  });
}
