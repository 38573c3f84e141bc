// Configure a node (XEP-0060 §8.2) and the default configuration (§8.3): owners get the
// node_config form, submit it (or cancel), and subscribers are told when pubsub#notify_config is set.
import { readForm } from './data-forms.js';
import { NS_PUBSUB_OWNER } from './namespaces.js';
import { applyConfigForm, configForm, defaultNodeConfig } from './node-config-form.js';
import { notifyRetracted, notifySubscribers } from './notifications.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** get <pubsub xmlns='…#owner'><configure node='…'/></pubsub> (§8.2.1) */
export async function handleConfigureGet(ctx: HandlerContext, req: PubsubRequest, configure: XmlElement): Promise<XmlElement> {
  const node = await requireNode(ctx, req, configure);
  if (!(await isOwner(ctx, req, node))) throw forbidden(); // §8.2.3
  return xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('configure', { node: node.node }, configForm(node.config)));
}

/** set <configure node='…'><x type='submit'|'cancel'/></configure> (§8.2.4, §8.2.6) */
export async function handleConfigureSet(ctx: HandlerContext, req: PubsubRequest, configure: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, configure);
  if (!(await isOwner(ctx, req, node))) throw forbidden();
  const form = readForm(configure);
  if (!form) throw new PubsubError('modify', 'bad-request');
  if (form.type === 'cancel') return undefined; // §8.2.6
  if (form.type !== 'submit') throw new PubsubError('modify', 'not-acceptable'); // §8.2.5
  const config = applyConfigForm(node.config, form, ctx.limits);
  await ctx.store.setNodeConfig(req.service, node.node, config);
  if (config.notifyConfig) {
    // Configuration notification (pubsub#notify_config), sent without the form.
    await notifySubscribers(ctx, req.service, { ...node, config }, () => [xml('configuration', { node: node.node })]);
  }
  if (!config.persistItems) {
    await ctx.store.purgeItems(req.service, node.node); // transient nodes keep none
  } else if (config.maxItems < node.config.maxItems) {
    const dropped = await ctx.store.trimItems(req.service, node.node, config.maxItems); // max_items lowered: enforced at once
    ctx.afterReply(() => notifyRetracted(ctx, req.service, { ...node, config }, dropped));
  }
  return undefined;
}

/** get <pubsub xmlns='…#owner'><default/></pubsub> (§8.3) */
export async function handleDefaultGet(ctx: HandlerContext): Promise<XmlElement> {
  return xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('default', {}, configForm(defaultNodeConfig(ctx.limits))));
}
