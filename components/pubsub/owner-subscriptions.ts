// Subscriptions (XEP-0060 §8.8 owner management, §5.6 an entity's own): owners list the node's
// subscriptions and change them (subscribed, pending, or none to remove); the entity is told.
import type { PubsubSubscriptionState } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { NS_PUBSUB, NS_PUBSUB_OWNER } from './namespaces.js';
import { subscriptionStateMessage } from './notifications.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError } from './pubsub-errors.js';
import { MAX_OWN_NODES_LISTED } from './owner-affiliations.js';
import { subscriptionElement } from './subscribe.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** The most subscriptions one owner listing carries. */
export const MAX_SUBSCRIPTIONS_LISTED = 1000;

/** get <pubsub xmlns='…#owner'><subscriptions node='…'/></pubsub> (§8.8.1) */
export async function handleOwnerSubscriptionsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  const node = await requireNode(ctx, req, el);
  if (!(await isOwner(ctx, req, node))) throw forbidden(); // §8.8.1
  const subs = await ctx.store.listSubscriptions(req.service, node.node, { limit: MAX_SUBSCRIPTIONS_LISTED });
  return xml(
    'pubsub',
    { xmlns: NS_PUBSUB_OWNER },
    xml('subscriptions', { node: node.node }, subs.map((s) => xml('subscription', { jid: s.jid, subscription: s.state, subid: s.subid }))),
  );
}

const STATES: ReadonlyArray<PubsubSubscriptionState | 'none'> = ['subscribed', 'pending', 'unconfigured', 'none'];

/** set <subscriptions node='…'><subscription jid='…' subscription='…' subid='…'/></subscriptions> (§8.8.2) */
export async function handleOwnerSubscriptionsSet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, el);
  if (!(await isOwner(ctx, req, node))) throw forbidden();
  const changes = el.getChildren('subscription').map((s) => {
    const jid = parseJid(s.attrs.jid ?? '');
    const state = s.attrs.subscription as PubsubSubscriptionState | 'none';
    if (!jid || !STATES.includes(state)) throw new PubsubError('modify', 'bad-request');
    return { jid: jid.full, state, subid: s.attrs.subid };
  });
  for (const change of changes) {
    const existing = await ctx.store.listSubscriptions(req.service, node.node, { jid: change.jid });
    const targets = change.subid ? existing.filter((s) => s.subid === change.subid) : existing;
    if (change.state === 'none') {
      for (const sub of targets) await ctx.store.removeSubscription(req.service, node.node, sub.jid, sub.subid);
    } else if (targets.length > 0) {
      for (const sub of targets) await ctx.store.putSubscription(req.service, node.node, { ...sub, state: change.state });
    } else {
      await ctx.store.putSubscription(req.service, node.node, { jid: change.jid, subid: change.subid ?? ctx.newId(), state: change.state, deliver: true });
    }
    const subid = targets[0]?.subid ?? change.subid;
    ctx.afterReply(async () => void (await ctx.send(subscriptionStateMessage(ctx, req.service, node.node, { jid: change.jid, subid, state: change.state })))); // §8.8.4
  }
  return undefined;
}

/** get <pubsub><subscriptions node='…'/></pubsub> (§5.6): the sender's own (bare and this full JID), on one node or all. */
export async function handleOwnSubscriptionsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  let nodes: string[];
  if (el.attrs.node) nodes = [(await requireNode(ctx, req, el)).node];
  else nodes = await ctx.store.listNodesOf(req.service, req.from.bare, { limit: MAX_OWN_NODES_LISTED });
  const mine: XmlElement[] = [];
  for (const node of nodes) {
    for (const jid of new Set([req.from.bare, req.from.full])) {
      for (const sub of await ctx.store.listSubscriptions(req.service, node, { jid })) mine.push(subscriptionElement(node, sub));
    }
  }
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('subscriptions', { node: el.attrs.node }, mine));
}
