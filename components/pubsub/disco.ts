// Service discovery (XEP-0060 §5): the service's identity and features (§5.1), its nodes
// (§5.2), a node's identity with its meta-data form (§5.3, §5.4) and a node's items (§5.5).
import { buildForm } from './data-forms.js';
import { FORM_META_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PUBSUB } from './namespaces.js';
import { checkAccess } from './access-models.js';
import { MAX_ITEMS_PER_ANSWER } from './items-retrieve.js';
import type { HandlerContext, PubsubRequest } from './pubsub-context.js';
import { nodeNotFound, PubsubError } from './pubsub-errors.js';
import { PEP_FEATURES, PEP_IDENTITY } from '../../shared/xml/pep-features.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** XEP-0060 §10 features this service implements. */
export const PUBSUB_FEATURES = [
  'access-authorize', 'access-open', 'access-presence', 'access-roster', 'access-whitelist',
  'auto-create', 'config-node', 'create-and-configure', 'create-nodes', 'delete-items', 'delete-nodes',
  'instant-nodes', 'item-ids', 'last-published', 'manage-affiliations', 'manage-subscriptions',
  'member-affiliation', 'meta-data', 'modify-affiliations', 'outcast-affiliation', 'persistent-items',
  'publish', 'publish-only-affiliation', 'publish-options', 'publisher-affiliation', 'purge-nodes',
  'retract-items', 'retrieve-affiliations', 'retrieve-default', 'retrieve-default-sub', 'retrieve-items', 'retrieve-subscriptions', 'subscribe', 'subscription-notifications',
  'subscription-options',
] as const;

/** The most nodes one disco#items answer lists. */
export const MAX_NODES_LISTED = 1000;

const features = (vars: string[]) => vars.map((v) => xml('feature', { var: v }));

/** get disco#info, to the service (no node) or to a node (§5.1, §5.4). */
export async function handleDiscoInfo(ctx: HandlerContext, req: PubsubRequest, query: XmlElement): Promise<XmlElement> {
  const nodeId = query.attrs.node;
  if (nodeId === undefined && req.service !== ctx.domain) return pepAccountInfo(ctx, req);
  if (nodeId === undefined) {
    return xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('identity', { category: 'pubsub', type: 'service', name: 'Pampero PubSub' }),
      features([NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PUBSUB, ...PUBSUB_FEATURES.map((f) => `${NS_PUBSUB}#${f}`)]),
    );
  }
  const node = await ctx.store.getNode(req.service, nodeId);
  if (!node) throw nodeNotFound();
  const c = node.config;
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, node: nodeId },
    xml('identity', { category: 'pubsub', type: 'leaf' }),
    features([NS_PUBSUB]),
    buildForm('result', FORM_META_DATA, [
      { var: 'pubsub#type', values: [] },
      { var: 'pubsub#title', values: [c.title] },
      { var: 'pubsub#creator', values: [node.creator] },
      { var: 'pubsub#creation_date', values: [new Date(node.createdAt).toISOString()] },
      { var: 'pubsub#access_model', values: [c.accessModel] },
      { var: 'pubsub#publish_model', values: [c.publishModel] },
      { var: 'pubsub#max_items', values: [String(c.maxItems)] },
      { var: 'pubsub#persist_items', values: [c.persistItems ? '1' : '0'] },
    ]),
  );
}

/** get disco#items: the service's nodes (§5.2), or a node's item ids (§5.5, access-checked). */
export async function handleDiscoItems(ctx: HandlerContext, req: PubsubRequest, query: XmlElement): Promise<XmlElement> {
  const nodeId = query.attrs.node;
  if (nodeId === undefined) {
    let nodes = await ctx.store.listNodes(req.service, { limit: MAX_NODES_LISTED });
    if (req.service !== ctx.domain && req.from.bare !== req.service) {
      // PEP (XEP-0163 §6.2): a contact sees only the nodes its access model lets it read.
      const readable = await Promise.all(nodes.map(async (id) => {
        const node = await ctx.store.getNode(req.service, id);
        return node !== undefined && (await checkAccess(ctx, req, node, 'retrieve').then(() => true, () => false));
      }));
      nodes = nodes.filter((_, i) => readable[i]);
    }
    return xml('query', { xmlns: NS_DISCO_ITEMS }, nodes.map((node) => xml('item', { jid: req.service, node })));
  }
  const node = await ctx.store.getNode(req.service, nodeId);
  if (!node) throw nodeNotFound();
  await checkAccess(ctx, req, node, 'retrieve');
  const { items } = await ctx.store.getItems(req.service, nodeId, { max: MAX_ITEMS_PER_ANSWER });
  return xml('query', { xmlns: NS_DISCO_ITEMS, node: nodeId }, items.map((item) => xml('item', { jid: req.service, name: item.id })));
}

/**
 * XEP-0163 §6.2: a contact's disco#info of an account (the router delegates it) shows the
 * account and its PEP service; anyone without a presence subscription gets service-unavailable,
 * as for any IQ to an account it may not see (RFC 6121 §8.5.2.1.3).
 */
async function pepAccountInfo(ctx: HandlerContext, req: PubsubRequest): Promise<XmlElement> {
  const roster = ctx.rosterOf ? await ctx.rosterOf(req.service) : undefined;
  const item = roster?.items.find((i) => i.jid === req.from.bare);
  if (req.from.bare !== req.service && item?.subscription !== 'from' && item?.subscription !== 'both') throw new PubsubError('cancel', 'service-unavailable');
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO },
    xml('identity', { category: 'account', type: 'registered' }),
    xml('identity', { ...PEP_IDENTITY }),
    features([NS_DISCO_INFO, NS_DISCO_ITEMS, ...PEP_FEATURES]),
  );
}
