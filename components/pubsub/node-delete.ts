// Delete a node (XEP-0060 §8.4): owners only; subscribers are told (<delete/>, with the optional
// <redirect uri/>) before the node, its items, affiliations and subscriptions are removed.
import type { HandlerContext, PubsubRequest } from './pubsub-context.js';
import { isOwner, requireNode } from './pubsub-context.js';
import { forbidden } from './pubsub-errors.js';
import { notifySubscribers } from './notifications.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** <pubsub xmlns='…#owner'><delete node='…'><redirect uri='…'/></delete></pubsub> */
export async function handleDelete(ctx: HandlerContext, req: PubsubRequest, del: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, del); // §8.4.3 item-not-found
  if (!(await isOwner(ctx, req, node))) throw forbidden(); // §8.4.3
  const uri = del.getChild('redirect')?.attrs.uri;
  if (node.config.notifyDelete) {
    // §8.4.2: the subscribers are read before they are removed with the node.
    await notifySubscribers(ctx, req.service, node, () => [xml('delete', { node: node.node }, uri ? xml('redirect', { uri }) : null)]);
  }
  await ctx.store.deleteNode(req.service, node.node);
  return undefined;
}
