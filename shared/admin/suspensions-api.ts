// /admin/api/users/JID/suspension: suspend an account (its sessions end, across the fleet, and its
// logins get <account-disabled/>) or lift the suspension (docs/abuse.md).
import { suspend, suspensionOf, unsuspend } from '../abuse/suspensions.js';
import { AdminError, stringField, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';
import { userJid } from './users-api.js';

export function registerSuspensionsApi(routes: AdminRoutes, ctx: AdminContext): void {
  const domain = ctx.config.domain;

  routes.add('get', '/admin/api/users/:jid/suspension', async ({ params }) => {
    const jid = userJid(params[0]!, domain);
    const suspension = await suspensionOf(ctx.stores.accountData, jid);
    if (!suspension) throw new AdminError(404, `${jid} is not suspended`);
    return { status: 200, body: { jid, ...suspension } };
  });

  routes.add('put', '/admin/api/users/:jid/suspension', async ({ params, body }) => {
    const jid = userJid(params[0]!, domain);
    if (!(await ctx.stores.accounts.get(jid))) throw new AdminError(404, `${jid} does not exist`);
    const suspension = await suspend(ctx.stores.accountData, jid, stringField(body ?? {}, 'reason', { optional: true }) ?? '');
    const sessions = [...ctx.router.sessions.resourcesOf(jid)];
    for (const session of sessions) session.terminate('policy-violation', 'The account was suspended');
    return { status: 200, body: { jid, ...suspension, disconnected: sessions.map((s) => s.jid.full) } };
  });

  routes.add('del', '/admin/api/users/:jid/suspension', async ({ params }) => {
    const jid = userJid(params[0]!, domain);
    if (!(await unsuspend(ctx.stores.accountData, jid))) throw new AdminError(404, `${jid} is not suspended`);
    return { status: 204 };
  });
}
