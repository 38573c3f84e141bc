// Roster items on the wire (RFC 6121 §2.1) and the subscription state stored for one contact:
// reading it from a Roster, writing a new state back, building roster pushes (§2.1.6, XEP-0237).
import { randomUUID } from 'node:crypto';
import type { Roster, RosterItem } from '../../shared/storage/types.js';
import { NO_SUBSCRIPTION, sameState, type SubscriptionState } from './subscription-states.js';
import { xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

export const NS_ROSTER = 'jabber:iq:roster';

export function findItem(roster: Roster, jid: string): RosterItem | undefined {
  return roster.items.find((item) => item.jid === jid);
}

/** §2.1.2: jid, name, subscription, ask, approved (only when true), groups. */
export function itemElement(item: RosterItem): XmlElement {
  return xml(
    'item',
    {
      jid: item.jid,
      name: item.name,
      subscription: item.subscription,
      ask: item.ask,
      approved: item.approved ? 'true' : undefined,
    },
    item.groups.map((group) => xml('group', {}, group)),
  );
}

/** §2.5.2: the pushed form of a removed item. */
export function removedItemElement(jid: string): XmlElement {
  return xml('item', { jid, subscription: 'remove' });
}

/** §2.1.6 roster push, from and to the owner's bare JID (the router fans it out to interested resources). */
export function rosterPush(owner: string, version: number, item: XmlElement): XmlElement {
  return xml(
    'iq',
    { type: 'set', id: `push-${randomUUID()}`, from: owner, to: owner },
    xml('query', { xmlns: NS_ROSTER, ver: String(version) }, item),
  );
}

/** The owner's subscription state towards `jid` (item fields plus the pending inbound request). */
export function stateOf(roster: Roster, jid: string): SubscriptionState {
  const item = findItem(roster, jid);
  return {
    subscription: item?.subscription ?? NO_SUBSCRIPTION.subscription,
    pendingOut: item?.ask === 'subscribe',
    pendingIn: roster.pendingIn.some((pending) => pending.jid === jid),
    approved: item?.approved === true,
  };
}

/** The item fields a push shows, to tell whether a change is visible to the owner's clients. */
export function sameItem(a: RosterItem | undefined, b: RosterItem | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.subscription === b.subscription &&
    a.ask === b.ask &&
    Boolean(a.approved) === Boolean(b.approved) &&
    a.name === b.name &&
    a.groups.length === b.groups.length &&
    a.groups.every((group, i) => group === b.groups[i])
  );
}

export type ApplyResult = { roster: Roster } | { full: 'items' | 'pendingIn' } | { unchanged: true };

/**
 * Writes `next` as the owner's state towards `jid`. A missing item is created only when the state
 * needs one (subscription, ask or approved); an item is never deleted here (only roster remove does).
 * Refuses (`full`) rather than grow the items or the pending requests beyond `limit`.
 */
export function applyState(
  roster: Roster,
  jid: string,
  next: SubscriptionState,
  opts: { limit: number; status?: string },
): ApplyResult {
  if (sameState(stateOf(roster, jid), next)) return { unchanged: true };
  const existing = findItem(roster, jid);
  let items = roster.items;
  const needsItem = next.subscription !== 'none' || next.pendingOut || next.approved;
  if (existing || needsItem) {
    if (!existing && roster.items.length >= opts.limit) return { full: 'items' };
    const base: RosterItem = existing ?? { jid, subscription: 'none', groups: [] };
    const updated: RosterItem = { ...base, subscription: next.subscription };
    if (next.pendingOut) updated.ask = 'subscribe';
    else delete updated.ask;
    if (next.approved) updated.approved = true;
    else delete updated.approved;
    items = existing ? roster.items.map((item) => (item === existing ? updated : item)) : [...roster.items, updated];
  }
  let pendingIn = roster.pendingIn;
  const wasPendingIn = pendingIn.some((pending) => pending.jid === jid);
  if (next.pendingIn && !wasPendingIn) {
    if (pendingIn.length >= opts.limit) return { full: 'pendingIn' };
    pendingIn = [...pendingIn, opts.status ? { jid, status: opts.status } : { jid }];
  } else if (!next.pendingIn && wasPendingIn) {
    pendingIn = pendingIn.filter((pending) => pending.jid !== jid);
  }
  return { roster: { ...roster, items, pendingIn } };
}
