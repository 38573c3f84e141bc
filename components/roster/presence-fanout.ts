// Broadcast presence to contacts (RFC 6121 §4.2 initial presence, §4.4 updates, §4.5 unavailable),
// from the copy the router sends to the component (docs/roster-delegation.md §3). The router
// reflects presence to the user's own resources; this module does the contacts' part.
import { parseJid, type Jid } from '../../shared/jid.js';
import type { Roster } from '../../shared/storage/types.js';
import { isLocalUser, reachOf, sendOnBehalf, type HandlerContext } from './roster-context.js';
import { hasFrom, hasTo } from './subscription-states.js';
import { cloneElement, xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

export const NS_PAMPERO_PRESENCE = 'urn:pampero:presence:0';

/** Presence the router copies to the component: available or unavailable, from a local user's resource. */
export function isBroadcastCopy(ctx: Pick<HandlerContext, 'serverDomain'>, presence: XmlElement): boolean {
  const type = presence.attrs.type;
  if (presence.name !== 'presence' || (type !== undefined && type !== 'unavailable')) return false;
  const from = parseJid(presence.attrs.from ?? '');
  return isLocalUser(ctx, from) && from.resource !== '';
}

/** The <initial/> marker: the resource's first available presence (RFC 6121 §4.2). */
export function isInitialPresence(presence: XmlElement): boolean {
  return presence.getChild('initial', NS_PAMPERO_PRESENCE) !== undefined;
}

/** The presence as contacts see it: no marker, no `to`, from the resource's full JID. */
function contactCopy(presence: XmlElement, from: Jid): XmlElement {
  const copy = cloneElement(presence);
  copy.children = copy.children.filter(
    (child) => typeof child === 'string' || !(child.name === 'initial' && child.attrs.xmlns === NS_PAMPERO_PRESENCE),
  );
  delete copy.attrs.to;
  delete copy.attrs.xmlns;
  copy.attrs.from = from.full;
  return copy;
}

/** Contacts of `roster` that pass `filter` and can be reached (local users, local services, remote contacts). */
function reachableContacts(ctx: HandlerContext, roster: Roster, filter: (subscription: Roster['items'][number]['subscription']) => boolean): Jid[] {
  const contacts: Jid[] = [];
  for (const item of roster.items) {
    if (!filter(item.subscription)) continue;
    const jid = parseJid(item.jid);
    if (jid && reachOf(ctx, jid) !== 'unreachable') contacts.push(jid);
  }
  return contacts;
}

/** Handles one broadcast presence copy (already checked with isBroadcastCopy). */
export async function handleBroadcastPresence(ctx: HandlerContext, presence: XmlElement): Promise<void> {
  const from = parseJid(presence.attrs.from ?? '');
  if (!from) return;
  const roster = await ctx.rosters.get(from.bare);
  const initial = presence.attrs.type === undefined && isInitialPresence(presence);
  let template: XmlElement | undefined; // built for the first subscriber: none for a user nobody subscribed to

  // §4.2.2, §4.4.2, §4.5.2: to every contact subscribed to the user's presence.
  for (const contact of reachableContacts(ctx, roster, hasFrom)) {
    const copy = cloneElement((template ??= contactCopy(presence, from)));
    copy.attrs.to = contact.bare;
    sendOnBehalf(ctx, copy);
  }
  if (!initial) return;

  // §4.2.2 / §4.3: probe the contacts the user is subscribed to, from the resource's full JID.
  for (const contact of reachableContacts(ctx, roster, hasTo)) {
    sendOnBehalf(ctx, xml('presence', { type: 'probe', from: from.full, to: contact.bare }));
  }
  // §3.1.3 rule 4: unanswered subscription requests are delivered again to the new resource.
  for (const pending of roster.pendingIn) {
    sendOnBehalf(
      ctx,
      xml('presence', { type: 'subscribe', from: pending.jid, to: from.full }, pending.status ? xml('status', {}, pending.status) : null),
    );
  }
}
