// Publish an item (XEP-0060 §7.1): item ids given or generated (§7.1.2), payload rules per node
// type (§7.1.3), publish-options preconditions (§7.1.5), auto-create (§7.1.4), max_items
// enforced in the same storage transaction, notifications to subscribers after the reply.
import { Buffer } from 'node:buffer';
import type { PubsubItem, PubsubNode } from '../../shared/storage/types.js';
import { mayPublish } from './access-models.js';
import { readForm } from './data-forms.js';
import { FORM_PUBLISH_OPTIONS, NS_PUBSUB } from './namespaces.js';
import { applyConfigForm, checkPreconditions } from './node-config-form.js';
import { createNode } from './node-create.js';
import { notifyPublished } from './notifications.js';
import { newNodeConfig, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { checkPublishRate } from './publish-limit.js';
import { forbidden, nodeIdRequired, nodeNotFound, PubsubError } from './pubsub-errors.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';

/** The node to publish to: existing, or auto-created with the publish-options as configuration. */
async function targetNode(ctx: HandlerContext, req: PubsubRequest, id: string, options: ReturnType<typeof readForm>): Promise<PubsubNode> {
  const existing = await ctx.store.getNode(req.service, id);
  if (existing) return existing;
  if (!ctx.autoCreate) throw nodeNotFound(); // §7.1.3
  let config = newNodeConfig(ctx);
  if (options) config = applyConfigForm(config, { ...options, formType: undefined }, ctx.limits);
  await createNode(ctx, req, id, config);
  return (await ctx.store.getNode(req.service, id))!;
}

/** The item's single payload element, checked against the node's type (§7.1.3). */
function payloadOf(node: PubsubNode, item: XmlElement | undefined): string {
  const needsPayload = node.config.persistItems || node.config.deliverPayloads;
  const payload = item ? childElements(item) : [];
  if (!needsPayload) {
    if (payload.length > 0) throw new PubsubError('modify', 'bad-request', 'item-forbidden'); // §7.1.3
    return '';
  }
  if (!item) throw new PubsubError('modify', 'bad-request', 'item-required'); // §7.1.3
  if (payload.length === 0) throw new PubsubError('modify', 'bad-request', 'payload-required'); // §7.1.3
  if (payload.length > 1) throw new PubsubError('modify', 'bad-request', 'invalid-payload'); // §7.1.3
  const serialised = payload[0]!.toString();
  if (Buffer.byteLength(serialised) > node.config.maxPayloadSize) throw new PubsubError('modify', 'not-acceptable', 'payload-too-big'); // §7.1.3
  return serialised;
}

/** set <pubsub><publish node='…'><item id='…'>payload</item></publish><publish-options/></pubsub> */
export async function handlePublish(ctx: HandlerContext, req: PubsubRequest, publish: XmlElement, pubsub: XmlElement): Promise<XmlElement> {
  const id = publish.attrs.node;
  if (!id) throw nodeIdRequired(); // §7.1.3 (no instant publishing here)
  await checkPublishRate(ctx, req.from.bare); // docs/abuse.md: publishes per user
  const options = readForm(pubsub.getChild('publish-options'));
  if (options && options.formType !== undefined && options.formType !== FORM_PUBLISH_OPTIONS) throw new PubsubError('modify', 'bad-request', 'invalid-options');
  const node = await targetNode(ctx, req, id, options);
  if (!(await mayPublish(ctx, req, node))) throw forbidden(); // §7.1.3
  if (options) checkPreconditions(node.config, options, ctx.limits); // §7.1.5: conflict/precondition-not-met

  const items = publish.getChildren('item');
  if (items.length > 1) throw new PubsubError('modify', 'bad-request', 'invalid-payload'); // one item per publish
  const itemEl = items[0];
  const payload = payloadOf(node, itemEl);
  const item: PubsubItem = { id: itemEl?.attrs.id || ctx.newId(), payload, publisher: req.from.bare, publishedAt: ctx.now() };

  // The oldest items pushed out by max_items are not notified as retracted (as in Prosody):
  // subscribers were told of the newer item, and a retraction per publish on every full node
  // would double each publish's fan-out. Retractions (§7.2) and an owner lowering max_items are.
  if (node.config.persistItems) await ctx.store.publishItem(req.service, node.node, item, node.config.maxItems);
  ctx.afterReply(async () => {
    await notifyPublished(ctx, req.service, node, item);
    await ctx.onItemsChanged?.(ctx, req.service, node.node);
  });
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: node.node }, xml('item', { id: item.id })));
}
