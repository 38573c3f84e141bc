// /admin/api/rate-limits: the abuse-control policy (docs/abuse.md), read and changed on the running
// service — what `pampero limits` does. The policy lives in the fleet's Redis when cluster.redisUrl
// is set, else in this node's stores; every gateway applies a change within 2 s.
import { connectRedis } from '../cluster/redis-connection.js';
import { mergeRule, parsePolicy, PolicyError, RULE_NAMES, type RuleName } from '../abuse/policy.js';
import { policyStoreFor } from '../abuse/start-abuse-control.js';
import { activeBans, banRange, unbanRange } from '../abuse/ip-bans.js';
import { AdminError, stringField, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

export function registerRateLimitsApi(routes: AdminRoutes, ctx: AdminContext): { close(): Promise<void> } {
  const ownRedis = !ctx.redis && ctx.config.cluster.redisUrl ? connectRedis({ url: ctx.config.cluster.redisUrl, logger: ctx.logger, connectionName: 'admin-limits' }) : undefined;
  const store = () => policyStoreFor(ctx.config, ctx.stores, ctx.redis ?? ownRedis);
  const asAdminError = (err: unknown): never => {
    if (err instanceof PolicyError) throw new AdminError(400, err.message);
    throw err;
  };
  function checked<T>(make: () => Promise<T>): Promise<T>;
  function checked<T>(make: () => T): T;
  function checked<T>(make: () => T | Promise<T>): T | Promise<T> {
    try {
      const result = make();
      return result instanceof Promise ? result.catch(asAdminError) : result;
    } catch (err) {
      return asAdminError(err);
    }
  }

  routes.add('get', '/admin/api/rate-limits', async () => {
    const { policy, version } = await store().load();
    return { status: 200, body: { version, policy, rules: RULE_NAMES } };
  });

  // The whole policy: rules it leaves out get their defaults.
  routes.add('put', '/admin/api/rate-limits', async ({ body }) => {
    const policy = checked(() => parsePolicy(body));
    return { status: 200, body: { version: await store().save(policy), policy } };
  });

  routes.add('put', '/admin/api/rate-limits/:rule', async ({ params, body }) => {
    const name = params[0]!;
    if (!(RULE_NAMES as readonly string[]).includes(name)) throw new AdminError(404, `no rule ${name}; rules: ${RULE_NAMES.join(', ')}`);
    const s = store();
    const { policy } = await s.load();
    policy.rules[name as RuleName] = checked(() => mergeRule(name, policy.rules[name as RuleName], body ?? {}));
    return { status: 200, body: { version: await s.save(policy), rule: policy.rules[name as RuleName] } };
  });

  routes.add('del', '/admin/api/rate-limits', async () => ({ status: 200, body: { version: await store().reset() } }));

  // Bans of address ranges for a time (part of the policy, so every gateway applies them).
  routes.add('get', '/admin/api/bans', async () => ({ status: 200, body: { bans: await activeBans(store()) } }));
  routes.add('post', '/admin/api/bans', async ({ body }) => {
    const range = stringField(body, 'range');
    const seconds = Number((body as Record<string, unknown>).seconds);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new AdminError(400, '"seconds" must be a positive number');
    const reason = stringField(body, 'reason', { optional: true }) ?? '';
    const { ban, version } = await checked(() => banRange(store(), range, seconds, reason));
    return { status: 201, body: { ban, version } };
  });
  routes.add('del', '/admin/api/bans', async ({ query }) => {
    const range = query.get('range');
    if (!range) throw new AdminError(400, 'give the range to lift: ?range=203.0.113.0/24');
    const version = await unbanRange(store(), range);
    if (version === undefined) throw new AdminError(404, `no active ban of ${range}`);
    return { status: 200, body: { version } };
  });

  return { close: async () => ownRedis?.disconnect() };
}
