// Access models (XEP-0060 §4.5): who may subscribe to a node and retrieve its items, given the
// sender's affiliation (§4.1) and, for presence and roster, the owners' rosters.
import type { PubsubNode } from '../../shared/storage/types.js';
import { affiliationOf, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { PubsubError } from './pubsub-errors.js';

export type AccessPurpose = 'subscribe' | 'retrieve';

/**
 * Resolves when the sender may subscribe/retrieve; throws the access model's error otherwise.
 * 'authorize' lets anyone ask to subscribe (the subscription is pending, §6.1.5) but only
 * subscribed entities retrieve items (not-authorized/not-subscribed).
 */
export async function checkAccess(ctx: HandlerContext, req: PubsubRequest, node: PubsubNode, purpose: AccessPurpose): Promise<void> {
  const affiliation = await affiliationOf(ctx, req, node);
  if (affiliation === 'outcast') throw new PubsubError('auth', 'forbidden'); // §6.1.3, §6.5.9
  if (affiliation === 'owner' || affiliation === 'publisher' || affiliation === 'member') return;
  switch (node.config.accessModel) {
    case 'open':
      return;
    case 'presence':
      if (!(await inOwnersRoster(ctx, req, node, (item) => item.subscription === 'from' || item.subscription === 'both'))) {
        throw new PubsubError('auth', 'not-authorized', 'presence-subscription-required'); // §6.1.3
      }
      return;
    case 'roster': {
      const allowed = new Set(node.config.rosterGroupsAllowed);
      if (!(await inOwnersRoster(ctx, req, node, (item) => item.groups.some((g) => allowed.has(g))))) {
        throw new PubsubError('auth', 'not-authorized', 'not-in-roster-group'); // §6.1.3
      }
      return;
    }
    case 'whitelist':
      throw new PubsubError('cancel', 'not-allowed', 'closed-node'); // §6.1.3
    case 'authorize':
      if (purpose === 'subscribe') return;
      if (!(await isSubscribed(ctx, req, node))) throw new PubsubError('auth', 'not-authorized', 'not-subscribed');
      return;
  }
}

async function inOwnersRoster(
  ctx: HandlerContext,
  req: PubsubRequest,
  node: PubsubNode,
  accepts: (item: { subscription: string; groups: string[] }) => boolean,
): Promise<boolean> {
  if (!ctx.rosterOf) return false;
  const affiliations = await ctx.store.listAffiliations(req.service, node.node);
  for (const { jid, affiliation } of affiliations) {
    if (affiliation !== 'owner' || !jid.endsWith(`@${ctx.serverDomain}`)) continue;
    const roster = await ctx.rosterOf(jid);
    const item = roster.items.find((i) => i.jid === req.from.bare);
    if (item && accepts(item)) return true;
  }
  return false;
}

/** Whether the sender's bare or full JID holds a subscribed (not pending) subscription. */
export async function isSubscribed(ctx: HandlerContext, req: PubsubRequest, node: PubsubNode): Promise<boolean> {
  for (const jid of new Set([req.from.bare, req.from.full])) {
    const subs = await ctx.store.listSubscriptions(req.service, node.node, { jid });
    if (subs.some((s) => s.state === 'subscribed')) return true;
  }
  return false;
}

/** XEP-0060 §7.1.3 and the publish models (§16.4.4 pubsub#publish_model). */
export async function mayPublish(ctx: HandlerContext, req: PubsubRequest, node: PubsubNode): Promise<boolean> {
  const affiliation = await affiliationOf(ctx, req, node);
  if (affiliation === 'outcast') return false;
  if (affiliation === 'owner' || affiliation === 'publisher' || affiliation === 'publish-only') return true;
  if (node.config.publishModel === 'open') return true;
  if (node.config.publishModel === 'subscribers') return isSubscribed(ctx, req, node);
  return false;
}
