// Create a node (XEP-0060 §8.1): with a node id or instant (§8.1.2, the service picks the id),
// with the default configuration (§8.1.1) or with a node_config form (§8.1.3, create-and-configure).
import type { PubsubNodeConfig } from '../../shared/storage/types.js';
import { readForm } from './data-forms.js';
import { NS_PUBSUB } from './namespaces.js';
import { applyConfigForm } from './node-config-form.js';
import { newNodeConfig, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { PubsubError } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** The configuration a new node gets: defaults, with the submitted form (if any) applied. */
export function initialConfig(ctx: HandlerContext, configure: XmlElement | undefined): PubsubNodeConfig {
  const base = newNodeConfig(ctx);
  const form = readForm(configure);
  return form && form.type === 'submit' ? applyConfigForm(base, form, ctx.limits) : base;
}

/** Stores the node with the requester as owner; conflict when the id is taken (§8.1.3). */
export async function createNode(ctx: HandlerContext, req: PubsubRequest, id: string, config: PubsubNodeConfig): Promise<void> {
  const created = await ctx.store.createNode({ service: req.service, node: id, config, creator: req.from.bare, createdAt: ctx.now() });
  if (!created) throw new PubsubError('cancel', 'conflict');
}

/** <pubsub><create node='…'/><configure>…</configure></pubsub> */
export async function handleCreate(ctx: HandlerContext, req: PubsubRequest, create: XmlElement, pubsub: XmlElement): Promise<XmlElement | undefined> {
  const config = initialConfig(ctx, pubsub.getChild('configure'));
  const requested = create.attrs.node;
  if (requested === '') throw new PubsubError('modify', 'not-acceptable', 'nodeid-required');
  const id = requested ?? ctx.newId();
  await createNode(ctx, req, id, config);
  // §8.1.2: the generated id is returned; for a named node the result MAY be empty.
  return requested === undefined ? xml('pubsub', { xmlns: NS_PUBSUB }, xml('create', { node: id })) : undefined;
}
