// /admin/api/components: which XEP-0114 components may attach (the ComponentStore, as
// `pampero component` manages it) and which are attached now (the router's live links).
// Attaching a domain = allowing it with a secret; the component can then connect at once.
// Detaching and re-keying also close the live links, so the change takes effect immediately
// (the component port would otherwise notice within its recheck interval).
import { isValidDomain } from '../config/values.js';
import { AdminError, stringField, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

function componentDomain(input: string): string {
  const domain = input.trim().toLowerCase().replace(/\.$/, '');
  if (!isValidDomain(domain)) throw new AdminError(400, `${JSON.stringify(input)} is not a valid component domain (like muc.example.org)`);
  return domain;
}

export function registerComponentsApi(routes: AdminRoutes, ctx: AdminContext): void {
  const { stores, router } = ctx;
  const registry = router.components;
  const closeLinks = (domain: string, text: string) => {
    for (const link of registry.allLinks()) if (link.domain === domain) link.close('not-authorized', text);
  };
  const secretOf = (body: unknown) => {
    const secret = stringField(body, 'secret');
    if (secret.length < 8) throw new AdminError(400, 'The secret must have at least 8 characters');
    return secret;
  };

  routes.add('get', '/admin/api/components', async () => {
    const records = await stores.components.list();
    const links = registry.allLinks();
    const linkCount = (domain: string) => links.filter((l) => l.domain === domain).length;
    const known = new Set(records.map((r) => r.domain));
    const components = [
      ...records.map((r) => ({ domain: r.domain, allowed: true, createdAt: new Date(r.createdAt).toISOString(), connected: registry.isConnected(r.domain), links: linkCount(r.domain) })),
      // Attached but no longer allowed (removed a moment ago, not closed yet).
      ...registry.domains().filter((d) => !known.has(d)).map((d) => ({ domain: d, allowed: false, createdAt: null, connected: true, links: linkCount(d) })),
    ].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
    return { status: 200, body: { components } };
  });

  // Attach (allow) a domain; an existing one is re-keyed.
  routes.add('post', '/admin/api/components', async ({ body }) => {
    const domain = componentDomain(stringField(body, 'domain'));
    const secret = secretOf(body);
    if (domain === ctx.config.domain) throw new AdminError(400, 'A component cannot take the server domain itself');
    const existed = (await stores.components.get(domain)) !== undefined;
    await stores.components.put(domain, secret);
    if (existed) closeLinks(domain, 'The component was re-keyed');
    return { status: existed ? 200 : 201, body: { domain, created: !existed } };
  });

  routes.add('put', '/admin/api/components/:domain', async ({ params, body }) => {
    const domain = componentDomain(params[0]!);
    const secret = secretOf(body);
    if (!(await stores.components.get(domain))) throw new AdminError(404, `Component ${domain} does not exist`);
    await stores.components.put(domain, secret);
    closeLinks(domain, 'The component was re-keyed');
    return { status: 200, body: { domain, created: false } };
  });

  routes.add('del', '/admin/api/components/:domain', async ({ params }) => {
    const domain = componentDomain(params[0]!);
    if (domain === ctx.config.roster.domain) throw new AdminError(409, `${domain} is the roster component the router delegates rosters to; it cannot be detached`);
    if (!(await stores.components.delete(domain))) throw new AdminError(404, `Component ${domain} does not exist`);
    closeLinks(domain, 'The component was removed');
    return { status: 204 };
  });
}
