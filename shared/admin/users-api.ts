// /admin/api/users: list, create, change the password of, and delete accounts — what
// `pampero user` does (cli/user-commands.ts), on the running node. Passwords become SCRAM keys.
import { deriveCredentials } from '../auth/scram.js';
import { parseJid } from '../jid.js';
import { AdminError, limitParam, stringField, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

/** "alice" or "alice@DOMAIN" as the bare JID the stores use, or a 400. */
export function userJid(input: string, domain: string): string {
  const text = input.trim();
  const jid = parseJid(text.includes('@') ? text : `${text}@${domain}`);
  if (!jid || !jid.local || jid.resource) throw new AdminError(400, `${JSON.stringify(input)} is not a valid bare user JID (like alice or alice@${domain})`);
  if (jid.domain !== domain) throw new AdminError(400, `${input}: domain ${jid.domain} is not served here (the domain is ${domain})`);
  return jid.bare;
}

export function registerUsersApi(routes: AdminRoutes, ctx: AdminContext): void {
  const { stores, router } = ctx;
  const domain = ctx.config.domain;

  routes.add('get', '/admin/api/users', async ({ query }) => {
    const limit = limitParam(query, 100, 1000);
    const after = query.get('after') || undefined;
    const jids = await stores.accounts.list({ after, limit });
    const users = jids.map((jid) => ({ jid, resources: router.sessions.resourcesOf(jid).length }));
    return { status: 200, body: { users, next: jids.length === limit ? jids[jids.length - 1] : null } };
  });

  routes.add('post', '/admin/api/users', async ({ body }) => {
    const jid = userJid(stringField(body, 'user'), domain);
    const password = stringField(body, 'password');
    if (!(await stores.accounts.create(jid, await deriveCredentials(password)))) throw new AdminError(409, `${jid} already exists`);
    return { status: 201, body: { jid } };
  });

  routes.add('put', '/admin/api/users/:jid/password', async ({ params, body }) => {
    const jid = userJid(params[0]!, domain);
    const password = stringField(body, 'password');
    if (!(await stores.accounts.setCredentials(jid, await deriveCredentials(password)))) throw new AdminError(404, `${jid} does not exist`);
    return { status: 204 };
  });

  // The account goes with its roster, offline messages, account data and archive; its sessions end.
  routes.add('del', '/admin/api/users/:jid', async ({ params }) => {
    const jid = userJid(params[0]!, domain);
    if (!(await stores.accounts.delete(jid))) throw new AdminError(404, `${jid} does not exist`);
    for (const session of [...router.sessions.resourcesOf(jid)]) session.terminate('not-authorized', 'The account was deleted');
    router.lastLogouts.forget(jid); // those sessions' last logout goes with the account (XEP-0012)
    await stores.rosters.delete(jid);
    await stores.offline.clear(jid);
    await stores.accountData.deleteAll(jid);
    await stores.archive?.clear(jid);
    await router.archive?.search?.cleared(jid); // the full-text index too (Elasticsearch)
    return { status: 204 };
  });
}
