// Purge all items of a node (XEP-0060 §8.5): owners only, persistent nodes only; subscribers get
// a <purge/> notification.
import { notifySubscribers } from './notifications.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, unsupported } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** set <pubsub xmlns='…#owner'><purge node='…'/></pubsub> */
export async function handlePurge(ctx: HandlerContext, req: PubsubRequest, purge: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, purge); // §8.5.3 item-not-found
  if (!(await isOwner(ctx, req, node))) throw forbidden(); // §8.5.3
  if (!node.config.persistItems) throw unsupported('persistent-items'); // §8.5.3
  await ctx.store.purgeItems(req.service, node.node);
  ctx.afterReply(() => notifySubscribers(ctx, req.service, node, () => [xml('purge', { node: node.node })]));
  return undefined;
}
