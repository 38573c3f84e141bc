// PEP (XEP-0163): every local user's bare JID is a virtual pubsub service kept in the same store
// (service = the bare JID). The router delegates the IQs (XEP-0355 envelope) and sends presence
// copies; notifications leave as the user (XEP-0356 privileged message). docs/pep.md.
import type { PubsubNode, PubsubNodeConfig } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { checkAccess } from './access-models.js';
import { lastItemMessage } from './notifications.js';
import type { PepPresence } from './pep-presence.js';
import type { HandlerContext } from './pubsub-context.js';
import { forbidden } from './pubsub-errors.js';
import type { LinkSend, RouteName } from './stanza-router.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';

export const NS_DELEGATION = 'urn:xmpp:delegation:2';
export const NS_PRIVILEGE = 'urn:xmpp:privilege:2';
export const NS_FORWARD = 'urn:xmpp:forward:0';
const NS_CLIENT = 'jabber:client';

/** XEP-0163 §5 recommended defaults for nodes a user creates (auto-create included). */
export const PEP_NODE_DEFAULTS: Partial<PubsubNodeConfig> = { accessModel: 'presence', maxItems: 1, sendLastPublishedItem: 'on_sub_and_presence' };

/** Most `+notify` nodes of one resource looked at when it comes online. */
const MAX_NOTIFY_NODES = 64;

/** The client's IQ inside the router's <iq><delegation><forwarded/></delegation></iq>. */
export function unwrapDelegation(outer: XmlElement): XmlElement | undefined {
  const forwarded = outer.getChild('delegation', NS_DELEGATION)?.getChild('forwarded', NS_FORWARD);
  const inner = forwarded ? childElements(forwarded).filter((c) => c.name === 'iq') : [];
  if (inner.length !== 1) return undefined;
  delete inner[0]!.attrs.xmlns;
  return inner[0];
}

function forwardedCopy(stanza: XmlElement): XmlElement {
  return xml(stanza.name, { ...stanza.attrs, xmlns: NS_CLIENT }, ...childElements(stanza));
}

/**
 * The send PEP handlers use: the answer to the client's IQ goes back inside the delegation
 * result, anything sent from the user's JID (notifications) inside a XEP-0356 privilege envelope.
 */
export function pepSend(send: LinkSend, domain: string, serverDomain: string, outer?: XmlElement, inner?: XmlElement): LinkSend {
  return (stanza) => {
    const isAnswer = inner && stanza.name === 'iq' && stanza.attrs.id === inner.attrs.id && stanza.attrs.to === inner.attrs.from && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error');
    if (isAnswer) {
      return send(
        xml('iq', { type: 'result', id: outer!.attrs.id, from: domain, to: outer!.attrs.from },
          xml('delegation', { xmlns: NS_DELEGATION }, xml('forwarded', { xmlns: NS_FORWARD }, forwardedCopy(stanza)))),
      );
    }
    if (stanza.attrs.from && stanza.attrs.from !== domain) {
      return send(xml('message', { from: domain, to: serverDomain }, xml('privilege', { xmlns: NS_PRIVILEGE }, xml('forwarded', { xmlns: NS_FORWARD }, forwardedCopy(stanza)))));
    }
    return send(stanza);
  };
}

/** Only the account owner creates, publishes, retracts and manages nodes of their PEP service (XEP-0163 §2.2). */
export function checkPepOperation(route: RouteName, service: string, fromBare: string): void {
  if (fromBare === service) return;
  const ownerOnly = route.startsWith('iq/set/owner/') || route.startsWith('iq/get/owner/') || route === 'iq/set/pubsub/create' || route === 'iq/set/pubsub/publish' || route === 'iq/set/pubsub/retract';
  if (ownerOnly) throw forbidden();
}

/**
 * Full JIDs that get a PEP node's notifications without an explicit subscription (XEP-0163 §4):
 * the owner's resources and, as the access model allows, contacts' resources — each only when its
 * caps include `<node>+notify`.
 */
export async function pepRecipients(ctx: HandlerContext, presence: PepPresence, service: string, node: PubsubNode): Promise<string[]> {
  const wanting = (bare: string) => presence.resourcesOf(bare).filter((full) => presence.wants(full, node.node));
  const out = wanting(service);
  const affiliations = await ctx.store.listAffiliations(service, node.node);
  const outcasts = new Set(affiliations.filter((a) => a.affiliation === 'outcast').map((a) => a.jid));
  const contacts: string[] = [];
  const model = node.config.accessModel;
  if (model === 'open' || model === 'presence' || model === 'roster') {
    const roster = ctx.rosterOf ? await ctx.rosterOf(service) : undefined;
    const groups = new Set(node.config.rosterGroupsAllowed);
    for (const item of roster?.items ?? []) {
      if (item.subscription !== 'from' && item.subscription !== 'both') continue; // §4.1 implicit subscription
      if (model === 'roster' && !item.groups.some((g) => groups.has(g))) continue;
      if (!outcasts.has(item.jid)) contacts.push(item.jid);
    }
  }
  for (const { jid, affiliation } of affiliations) {
    if (jid !== service && affiliation !== 'outcast' && affiliation !== 'none' && !contacts.includes(jid)) contacts.push(jid); // whitelisted
  }
  for (const contact of contacts) out.push(...wanting(contact));
  return out;
}

/**
 * XEP-0163 §4.3.4: a resource came online with `+notify` caps: the last item of each such node of
 * its own service and of the services of contacts it receives presence from (when their access
 * model lets it and send_last_published_item is on_sub_and_presence).
 */
export async function sendLastItemsOnLogin(ctx: HandlerContext, presence: PepPresence, jid: string): Promise<void> {
  const features = await presence.whenKnown(jid);
  if (!features) return;
  const nodes = [...features].filter((f) => f.endsWith('+notify')).map((f) => f.slice(0, -'+notify'.length)).slice(0, MAX_NOTIFY_NODES);
  if (nodes.length === 0) return;
  const user = parseJid(jid)!;
  const services = [user.bare];
  const roster = ctx.rosterOf ? await ctx.rosterOf(user.bare) : undefined;
  for (const item of roster?.items ?? []) {
    if ((item.subscription === 'to' || item.subscription === 'both') && item.jid.endsWith(`@${ctx.serverDomain}`)) services.push(item.jid);
  }
  for (const service of services) {
    for (const id of nodes) {
      const node = await ctx.store.getNode(service, id);
      if (!node || node.config.sendLastPublishedItem !== 'on_sub_and_presence' || !node.config.persistItems) continue;
      if (service !== user.bare) {
        const allowed = await checkAccess(ctx, { iq: xml('iq', {}), from: user, service }, node, 'retrieve').then(() => true, () => false);
        if (!allowed) continue;
      }
      const { items } = await ctx.store.getItems(service, id, { max: 1 });
      if (items[0]) await ctx.send(lastItemMessage(ctx, service, node, jid, items[0]));
    }
  }
}
