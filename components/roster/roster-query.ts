// jabber:iq:roster get and set (RFC 6121 §2) with roster versioning (XEP-0237, RFC 6121 §2.6),
// for client IQs the router delegates to this component (docs/roster-delegation.md §1).
import { parseJid, type Jid } from '../../shared/jid.js';
import type { RosterItem } from '../../shared/storage/types.js';
import { bareOf, isLocalUser, pushItem, sendToContact, type HandlerContext } from './roster-context.js';
import { findItem, itemElement, NS_ROSTER, removedItemElement, sameItem } from './roster-items.js';
import { errorElement, type StanzaErrorSpec } from './stanza-replies.js';
import { routeToContact } from './subscription-presence.js';
import { hasFrom, hasTo } from './subscription-states.js';
import { childElements, xml, type XmlChild, type XmlElement } from '../../shared/component/xmpp-bindings.js';

/** RFC 6121 §2.3.3 leaves these limits to the server: longer names or groups are not-acceptable. */
export const MAX_NAME_LENGTH = 1024;
export const MAX_GROUP_LENGTH = 1024;

/** Sends the client's answer (the caller wraps it for the router). */
export type Respond = (reply: XmlElement) => void;

class RosterSetError extends Error {
  constructor(readonly spec: StanzaErrorSpec) {
    super(spec.text ?? spec.condition);
  }
}

/** Handles one delegated roster IQ; `iq` is the client's own stanza (inner `from` = full JID). */
export async function handleRosterQuery(ctx: HandlerContext, iq: XmlElement, respond: Respond): Promise<void> {
  const user = parseJid(iq.attrs.from ?? '');
  const to = iq.attrs.to === undefined ? undefined : parseJid(iq.attrs.to);
  if (!isLocalUser(ctx, user)) {
    respond(errorFor(iq, iq.attrs.to ?? ctx.serverDomain, { type: 'auth', condition: 'forbidden' }));
    return;
  }
  // §2.1.5 / §2.3.3: only the account itself reads or changes its roster.
  if (iq.attrs.to !== undefined && to?.full !== ctx.serverDomain && to?.full !== user.bare) {
    respond(errorFor(iq, user.bare, { type: 'auth', condition: 'forbidden' }));
    return;
  }
  const query = iq.getChild('query', NS_ROSTER);
  if (!query) {
    respond(errorFor(iq, user.bare, { type: 'cancel', condition: 'service-unavailable' }));
    return;
  }
  if (iq.attrs.type === 'get') await getRoster(ctx, user, iq, query, respond);
  else if (iq.attrs.type === 'set') await setRoster(ctx, user, iq, query, respond);
  else respond(errorFor(iq, user.bare, { type: 'modify', condition: 'bad-request' }));
}

/** §2.2, XEP-0237 §3: the whole roster with its version, or an empty result when the client's is current. */
async function getRoster(ctx: HandlerContext, user: Jid, iq: XmlElement, query: XmlElement, respond: Respond) {
  const roster = await ctx.rosters.get(user.bare);
  const ver = String(roster.version);
  if (query.attrs.ver === ver) {
    respond(resultFor(iq, user.bare));
    return;
  }
  respond(resultFor(iq, user.bare, xml('query', { xmlns: NS_ROSTER, ver }, roster.items.map(itemElement))));
}

/** §2.3 add, §2.4 update, §2.5 remove. */
async function setRoster(ctx: HandlerContext, user: Jid, iq: XmlElement, query: XmlElement, respond: Respond) {
  try {
    const item = singleItem(query);
    const contact = itemJid(item);
    if (item.attrs.subscription === 'remove') await removeItem(ctx, user, contact, iq, respond);
    else await upsertItem(ctx, user, contact, item, iq, respond);
  } catch (err) {
    if (!(err instanceof RosterSetError)) throw err;
    respond(errorFor(iq, user.bare, err.spec));
  }
}

/** §2.3.3: a roster set carries exactly one item. */
function singleItem(query: XmlElement): XmlElement {
  const items = childElements(query).filter((el) => el.name === 'item');
  if (items.length !== 1) {
    throw new RosterSetError({ type: 'modify', condition: 'bad-request', text: 'A roster set carries exactly one item' });
  }
  return items[0];
}

/** The item's JID, as the bare JID subscriptions are tracked with. */
function itemJid(item: XmlElement): Jid {
  if (!item.attrs.jid) throw new RosterSetError({ type: 'modify', condition: 'bad-request', text: 'The item has no jid' });
  const jid = parseJid(item.attrs.jid);
  if (!jid) throw new RosterSetError({ type: 'modify', condition: 'jid-malformed' });
  return bareOf(jid);
}

/**
 * §2.3.3 / §2.4.3: name and groups. Any 'subscription' other than "remove" and any 'ask' or
 * 'approved' are ignored (§2.1.2.2, §2.1.2.1, §2.1.2.5): only presence stanzas change them.
 */
function itemFields(item: XmlElement): { name?: string; groups: string[] } {
  const name = item.attrs.name;
  if (name !== undefined && name.length > MAX_NAME_LENGTH) {
    throw new RosterSetError({ type: 'modify', condition: 'not-acceptable', text: `The name is longer than ${MAX_NAME_LENGTH} characters` });
  }
  const groups = item.getChildren('group').map((group) => group.getText());
  if (groups.some((group) => group.trim() === '')) {
    throw new RosterSetError({ type: 'modify', condition: 'not-acceptable', text: 'Empty group name' });
  }
  if (groups.some((group) => group.length > MAX_GROUP_LENGTH)) {
    throw new RosterSetError({ type: 'modify', condition: 'not-acceptable', text: `A group name is longer than ${MAX_GROUP_LENGTH} characters` });
  }
  if (new Set(groups).size !== groups.length) {
    throw new RosterSetError({ type: 'modify', condition: 'bad-request', text: 'Duplicate group' });
  }
  return name ? { name, groups } : { groups };
}

/** §2.3.2 / §2.4.2: result to the sender, then a push to every interested resource. */
async function upsertItem(ctx: HandlerContext, user: Jid, contact: Jid, item: XmlElement, iq: XmlElement, respond: Respond) {
  const fields = itemFields(item);
  let before: RosterItem | undefined;
  let full = false;
  const roster = await ctx.rosters.update(user.bare, (current) => {
    before = findItem(current, contact.bare);
    const updated: RosterItem = { ...(before ?? { jid: contact.bare, subscription: 'none' }), groups: fields.groups };
    if (fields.name) updated.name = fields.name;
    else delete updated.name;
    full = !before && current.items.length >= ctx.maxItems;
    if (full || sameItem(before, updated)) return undefined;
    const items = before ? current.items.map((i) => (i === before ? updated : i)) : [...current.items, updated];
    return { ...current, items };
  });
  if (full) {
    // The roster is full: nothing changes; retrying cannot succeed until the user removes items.
    respond(errorFor(iq, user.bare, { type: 'cancel', condition: 'resource-constraint', text: `The roster is full (${ctx.maxItems} items)` }));
    return;
  }
  respond(resultFor(iq, user.bare));
  const after = findItem(roster, contact.bare);
  if (after && !sameItem(before, after)) pushItem(ctx, user.bare, roster.version, itemElement(after));
}

/**
 * §2.5.2: removes the item (and any pending request from the contact), then cancels the
 * subscriptions on the user's behalf: 'unsubscribe' when the user is subscribed or asked to be,
 * 'unsubscribed' when the contact is subscribed or asked to be (after unavailable presence, §3.2.2).
 */
async function removeItem(ctx: HandlerContext, user: Jid, contact: Jid, iq: XmlElement, respond: Respond) {
  let removed: RosterItem | undefined;
  let wasPendingIn = false;
  const roster = await ctx.rosters.update(user.bare, (current) => {
    removed = findItem(current, contact.bare);
    wasPendingIn = current.pendingIn.some((pending) => pending.jid === contact.bare);
    if (!removed) return undefined;
    return {
      ...current,
      items: current.items.filter((i) => i !== removed),
      pendingIn: current.pendingIn.filter((pending) => pending.jid !== contact.bare),
    };
  });
  if (!removed) {
    respond(errorFor(iq, user.bare, { type: 'cancel', condition: 'item-not-found' })); // §2.5.3
    return;
  }
  respond(resultFor(iq, user.bare));
  pushItem(ctx, user.bare, roster.version, removedItemElement(contact.bare));
  if (hasTo(removed.subscription) || removed.ask === 'subscribe') {
    await routeToContact(ctx, bareOf(user), contact, 'unsubscribe');
  }
  if (hasFrom(removed.subscription) || wasPendingIn) {
    if (hasFrom(removed.subscription)) {
      sendToContact(ctx, xml('presence', { type: 'unavailable', from: user.bare, to: contact.bare }), contact);
    }
    await routeToContact(ctx, bareOf(user), contact, 'unsubscribed');
  }
}

/** The client's answer: from the user's bare JID to the requesting resource (docs/roster-delegation.md §1). */
function resultFor(iq: XmlElement, from: string, ...payload: XmlChild[]): XmlElement {
  return xml('iq', { type: 'result', id: iq.attrs.id, from, to: iq.attrs.from }, ...payload);
}

function errorFor(iq: XmlElement, from: string, spec: StanzaErrorSpec): XmlElement {
  return xml('iq', { type: 'error', id: iq.attrs.id, from, to: iq.attrs.from }, errorElement(spec));
}
