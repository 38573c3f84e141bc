// Delete an item from a node (XEP-0060 §7.2): owners and publishers retract any item,
// publish-only entities their own; with notify='true' (or pubsub#notify_retract) subscribers get
// a <retract/> notification.
import { notifyRetracted } from './notifications.js';
import { affiliationOf, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError, unsupported } from './pubsub-errors.js';
import type { XmlElement } from './xmpp-bindings.js';

/** set <pubsub><retract node='…' notify='true'><item id='…'/></retract></pubsub> */
export async function handleRetract(ctx: HandlerContext, req: PubsubRequest, retract: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, retract); // §7.2.3 nodeid-required, §7.2.3 item-not-found
  const itemId = retract.getChild('item')?.attrs.id;
  if (!itemId) throw new PubsubError('modify', 'bad-request', 'item-required'); // §7.2.3
  if (!node.config.persistItems) throw unsupported('persistent-items'); // §7.2.3
  const affiliation = await affiliationOf(ctx, req, node);
  const item = await ctx.store.getItem(req.service, node.node, itemId);
  if (!item) throw new PubsubError('cancel', 'item-not-found'); // §7.2.3
  const mayRetract = affiliation === 'owner' || affiliation === 'publisher' || (affiliation === 'publish-only' && item.publisher === req.from.bare);
  if (!mayRetract) throw forbidden(); // §7.2.3
  await ctx.store.retractItem(req.service, node.node, itemId);
  const notify = retract.attrs.notify === 'true' || retract.attrs.notify === '1' || node.config.notifyRetract;
  if (notify) ctx.afterReply(() => notifyRetracted(ctx, req.service, { ...node, config: { ...node.config, notifyRetract: true } }, [itemId]));
  if (ctx.onItemsChanged) ctx.afterReply(() => ctx.onItemsChanged!(ctx, req.service, node.node));
  return undefined;
}
