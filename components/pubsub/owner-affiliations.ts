// Affiliations (XEP-0060 §8.9 owner management, §5.7 an entity's own): owners list and change
// the node's affiliations; the last owner cannot be removed; an outcast loses its subscriptions.
import type { PubsubAffiliation } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { NS_PUBSUB, NS_PUBSUB_OWNER } from './namespaces.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

const AFFILIATIONS: readonly PubsubAffiliation[] = ['owner', 'publisher', 'publish-only', 'member', 'none', 'outcast'];

/** get <pubsub xmlns='…#owner'><affiliations node='…'/></pubsub> (§8.9.1) */
export async function handleOwnerAffiliationsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  const node = await requireNode(ctx, req, el);
  if (!(await isOwner(ctx, req, node))) throw forbidden(); // §8.9.1
  const list = await ctx.store.listAffiliations(req.service, node.node);
  return xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('affiliations', { node: node.node }, list.map((a) => xml('affiliation', { jid: a.jid, affiliation: a.affiliation }))));
}

/** set <affiliations node='…'><affiliation jid='…' affiliation='…'/>…</affiliations> (§8.9.2) */
export async function handleOwnerAffiliationsSet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<undefined> {
  const node = await requireNode(ctx, req, el);
  if (!(await isOwner(ctx, req, node))) throw forbidden();
  const changes = el.getChildren('affiliation').map((a) => {
    const jid = parseJid(a.attrs.jid ?? '');
    const affiliation = a.attrs.affiliation as PubsubAffiliation;
    if (!jid || !AFFILIATIONS.includes(affiliation)) throw new PubsubError('modify', 'bad-request');
    return { jid: jid.bare, affiliation };
  });
  // §8.9.2: checked before anything changes, so a refused request changes nothing.
  const current = new Map((await ctx.store.listAffiliations(req.service, node.node)).map((a) => [a.jid, a.affiliation]));
  for (const change of changes) current.set(change.jid, change.affiliation);
  if (![...current.values()].includes('owner')) throw new PubsubError('modify', 'not-acceptable');
  for (const { jid, affiliation } of changes) {
    await ctx.store.setAffiliation(req.service, node.node, jid, affiliation);
    if (affiliation === 'outcast') await removeSubscriptionsOf(ctx, req.service, node.node, jid);
  }
  return undefined;
}

async function removeSubscriptionsOf(ctx: HandlerContext, service: string, node: string, bare: string): Promise<void> {
  const subs = await ctx.store.listSubscriptions(service, node);
  for (const sub of subs) if (parseJid(sub.jid)?.bare === bare) await ctx.store.removeSubscription(service, node, sub.jid, sub.subid);
}

/** The most nodes an entity's own affiliations or subscriptions list (§5.6, §5.7) covers. */
export const MAX_OWN_NODES_LISTED = 1000;

/** get <pubsub><affiliations node='…'/></pubsub> (§5.7): the sender's own, on one node or all. */
export async function handleOwnAffiliationsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  let nodes: string[];
  if (el.attrs.node) nodes = [(await requireNode(ctx, req, el)).node];
  else nodes = await ctx.store.listNodesOf(req.service, req.from.bare, { limit: MAX_OWN_NODES_LISTED });
  const children: XmlElement[] = [];
  for (const node of nodes) {
    const affiliation = await ctx.store.getAffiliation(req.service, node, req.from.bare);
    if (affiliation !== 'none') children.push(xml('affiliation', { node, affiliation }));
  }
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('affiliations', { node: el.attrs.node }, children));
}
