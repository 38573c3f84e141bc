// Subscribe to a node (XEP-0060 §6.1) and unsubscribe (§6.2), bare or full JID, each subscription
// with a subid. Under the authorize model the subscription is pending and the owners get the
// approval form (§8.6); otherwise the last published item follows the reply (§6.1.7).
import type { PubsubSubscription } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { checkAccess } from './access-models.js';
import { NS_PUBSUB } from './namespaces.js';
import { lastItemMessage } from './notifications.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError } from './pubsub-errors.js';
import { requestAuthorization } from './subscription-authorization.js';
import { applySubscribeOptions } from './subscription-options.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** The jid attribute, normalised; jid-required and invalid-jid (§6.1.3) as the XEP says. */
function subscriberJid(req: PubsubRequest, el: XmlElement): string {
  if (!el.attrs.jid) throw new PubsubError('modify', 'bad-request', 'jid-required');
  const jid = parseJid(el.attrs.jid);
  if (!jid) throw new PubsubError('modify', 'bad-request', 'invalid-jid');
  return jid.full;
}

export function subscriptionElement(node: string, sub: PubsubSubscription): XmlElement {
  return xml('subscription', { node, jid: sub.jid, subid: sub.subid, subscription: sub.state });
}

/** set <pubsub><subscribe node='…' jid='…'/><options><x/></options></pubsub> */
export async function handleSubscribe(ctx: HandlerContext, req: PubsubRequest, subscribe: XmlElement, pubsub: XmlElement): Promise<XmlElement> {
  const node = await requireNode(ctx, req, subscribe); // §6.1.3 item-not-found
  const jid = subscriberJid(req, subscribe);
  if (parseJid(jid)!.bare !== req.from.bare) throw new PubsubError('modify', 'bad-request', 'invalid-jid'); // §6.1.3
  await checkAccess(ctx, req, node, 'subscribe'); // §6.1.3, outcast §6.1.3

  const existing = await ctx.store.listSubscriptions(req.service, node.node, { jid });
  if (existing.some((s) => s.state === 'pending')) throw new PubsubError('auth', 'not-authorized', 'pending-subscription'); // §6.1.3
  const current = existing.find((s) => s.state === 'subscribed');
  if (current) return xml('pubsub', { xmlns: NS_PUBSUB }, subscriptionElement(node.node, current)); // already subscribed: same answer

  const owner = await isOwner(ctx, req, node);
  const sub: PubsubSubscription = {
    jid,
    subid: ctx.newId(),
    state: node.config.accessModel === 'authorize' && !owner ? 'pending' : 'subscribed',
    deliver: true,
  };
  const options = pubsub.getChild('options');
  if (options) applySubscribeOptions(sub, options); // §6.3.7 subscribe and configure
  await ctx.store.putSubscription(req.service, node.node, sub);

  if (sub.state === 'pending') {
    ctx.afterReply(() => requestAuthorization(ctx, req.service, node.node, sub));
  } else if (node.config.sendLastPublishedItem !== 'never' && node.config.persistItems) {
    ctx.afterReply(async () => {
      const { items } = await ctx.store.getItems(req.service, node.node, { max: 1 });
      if (items[0]) await ctx.send(lastItemMessage(ctx, req.service, node, jid, items[0]));
    });
  }
  return xml('pubsub', { xmlns: NS_PUBSUB }, subscriptionElement(node.node, sub));
}

/** set <pubsub><unsubscribe node='…' jid='…' subid='…'/></pubsub> (§6.2) */
export async function handleUnsubscribe(ctx: HandlerContext, req: PubsubRequest, unsubscribe: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, unsubscribe); // §6.2.3 item-not-found
  const jid = subscriberJid(req, unsubscribe);
  if (parseJid(jid)!.bare !== req.from.bare && !(await isOwner(ctx, req, node))) throw forbidden(); // §6.2.3
  const subs = await ctx.store.listSubscriptions(req.service, node.node, { jid });
  if (subs.length === 0) throw new PubsubError('cancel', 'unexpected-request', 'not-subscribed'); // §6.2.3
  const subid = unsubscribe.attrs.subid;
  let target: PubsubSubscription | undefined;
  if (subid) {
    target = subs.find((s) => s.subid === subid);
    if (!target) throw new PubsubError('modify', 'not-acceptable', 'invalid-subid'); // §6.2.3
  } else {
    if (subs.length > 1) throw new PubsubError('modify', 'bad-request', 'subid-required'); // §6.2.3
    target = subs[0]!;
  }
  await ctx.store.removeSubscription(req.service, node.node, jid, target.subid);
  return undefined;
}
