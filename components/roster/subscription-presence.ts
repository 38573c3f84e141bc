// The presence subscription handshake (RFC 6121 §3) against the stored rosters: the outbound
// processing for the user who sends subscribe/subscribed/unsubscribe/unsubscribed, and, when the
// contact is a user of this server, the inbound processing for the contact (both sides here, so a
// local handshake needs no further round trip). Transitions come from subscription-states.ts.
import type { Roster, RosterItem } from '../../shared/storage/types.js';
import { parseJid, type Jid } from '../../shared/jid.js';
import { bareOf, isLocalUser, pushItem, reachOf, sendOnBehalf, sendToContact, type HandlerContext } from './roster-context.js';
import { applyState, findItem, itemElement, sameItem, stateOf } from './roster-items.js';
import { errorElement, type StanzaErrorSpec } from './stanza-replies.js';
import {
  inboundTransition,
  isSubscriptionType,
  outboundTransition,
  type InboundOutcome,
  type OutboundOutcome,
  type SubscriptionType,
} from './subscription-states.js';
import { cloneElement, xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

const ROSTER_FULL: StanzaErrorSpec = { type: 'cancel', condition: 'resource-constraint', text: 'Roster is full' };

/**
 * A subscription presence a local user sent (docs/roster-delegation.md §3, "Outbound subscription
 * presence"): inner `from` = the user's full JID, `to` = the contact.
 */
export async function handleOutboundSubscription(ctx: HandlerContext, presence: XmlElement): Promise<void> {
  const type = presence.attrs.type;
  const user = parseJid(presence.attrs.from ?? '');
  if (!isSubscriptionType(type) || !isLocalUser(ctx, user)) return;
  const contact = parseJid(presence.attrs.to ?? '');
  if (!contact) {
    bounce(ctx, presence.attrs.to ?? '', user.full, { type: 'modify', condition: 'jid-malformed' });
    return;
  }
  await processOutbound(ctx, user, bareOf(contact), type, presence);
}

/**
 * A subscription presence from a non-user entity (e.g. a local component) to a local user:
 * only the inbound processing applies (docs/roster-delegation.md §4).
 */
export async function handleInboundSubscription(ctx: HandlerContext, presence: XmlElement): Promise<void> {
  const type = presence.attrs.type;
  const sender = parseJid(presence.attrs.from ?? '');
  const recipient = parseJid(presence.attrs.to ?? '');
  if (!isSubscriptionType(type) || !sender || !isLocalUser(ctx, recipient)) return;
  await processInbound(ctx, bareOf(recipient), bareOf(sender), type, presence);
}

/** §3.1.2, §3.2.2, §3.3.2, §3.4.2: the user's side; then routes the stanza to the contact. */
async function processOutbound(ctx: HandlerContext, user: Jid, contact: Jid, type: SubscriptionType, stanza: XmlElement) {
  let outcome: OutboundOutcome | undefined;
  let before: RosterItem | undefined;
  let full = false;
  const roster = await ctx.rosters.update(user.bare, (current) => {
    outcome = outboundTransition(stateOf(current, contact.bare), type);
    before = findItem(current, contact.bare);
    const applied = applyState(current, contact.bare, outcome.next, { limit: ctx.maxItems });
    full = 'full' in applied;
    return 'roster' in applied ? applied.roster : undefined;
  });
  if (!outcome) return;
  if (full) {
    bounce(ctx, contact.bare, user.full, ROSTER_FULL);
    return;
  }
  pushIfChanged(ctx, user.bare, roster, contact.bare, before);
  if (outcome.sendUnavailable) {
    sendToContact(ctx, xml('presence', { type: 'unavailable', from: user.bare, to: contact.bare }), contact);
  }
  if (outcome.route) await routeToContact(ctx, bareOf(user), contact, type, stanza);
}

/**
 * Delivers a subscription stanza from `from` (a local user's bare JID) to `contact` (bare): inbound
 * processing when the contact is a local user, as it is to a local service or a remote contact (the
 * router sends it to the contact's server, docs/s2s.md), not at all to the bare server domain.
 */
export async function routeToContact(
  ctx: HandlerContext,
  from: Jid,
  contact: Jid,
  type: SubscriptionType,
  original?: XmlElement,
): Promise<void> {
  switch (reachOf(ctx, contact)) {
    case 'local-user':
      await processInbound(ctx, contact, from, type, original);
      return;
    case 'local-service':
    case 'remote':
      sendOnBehalf(ctx, subscriptionStanza(type, from.bare, contact.bare, original));
      return;
    case 'unreachable':
      ctx.log.debug({ from: from.bare, to: contact.bare, type }, 'roster: contact not reachable');
  }
}

/** §3.1.3, §3.1.6, §3.2.3, §3.3.3, §3.4.3: the recipient's side of a stanza from `sender`. */
async function processInbound(
  ctx: HandlerContext,
  recipientJid: Jid,
  sender: Jid,
  type: SubscriptionType,
  original?: XmlElement,
): Promise<void> {
  const recipient = recipientJid.bare;
  if (ctx.userExists && !(await ctx.userExists(recipient))) {
    // §3.1.3: no such account: the request is answered 'unsubscribed'.
    if (type === 'subscribe') await routeToContact(ctx, recipientJid, sender, 'unsubscribed');
    return;
  }
  const status = original?.getChildText('status') ?? undefined;
  let outcome: InboundOutcome | undefined;
  let before: RosterItem | undefined;
  let full = false;
  const roster = await ctx.rosters.update(recipient, (current) => {
    outcome = inboundTransition(stateOf(current, sender.bare), type);
    before = findItem(current, sender.bare);
    const applied = applyState(current, sender.bare, outcome.next, { limit: ctx.maxItems, status });
    full = 'full' in applied;
    return 'roster' in applied ? applied.roster : undefined;
  });
  if (!outcome) return;
  if (full) {
    // Too many unanswered requests: refused, nothing stored.
    sendToContact(ctx, errorPresence(recipient, sender.bare, ROSTER_FULL), sender);
    return;
  }
  pushIfChanged(ctx, recipient, roster, sender.bare, before);
  if (outcome.deliver) {
    // Delivered to the recipient's available resources, from the sender's bare JID.
    sendOnBehalf(ctx, subscriptionStanza(type, sender.bare, recipient, original));
  }
  if (outcome.sendUnavailable) {
    sendToContact(ctx, xml('presence', { type: 'unavailable', from: recipient, to: sender.bare }), sender);
  }
  if (outcome.autoReply) await routeToContact(ctx, recipientJid, sender, outcome.autoReply);
  if (type === 'subscribed' && outcome.deliver) {
    // §3.1.5: the new subscriber gets the contact's current presence; the router answers the
    // probe with the last presence of each of the contact's available resources.
    sendToContact(ctx, xml('presence', { type: 'probe', from: recipient, to: sender.bare }), sender);
  }
}

function pushIfChanged(ctx: HandlerContext, owner: string, roster: Roster, jid: string, before: RosterItem | undefined) {
  const after = findItem(roster, jid);
  if (after && !sameItem(before, after)) pushItem(ctx, owner, roster.version, itemElement(after));
}

/** The stanza as delivered: the original's payload (status, nick…), stamped with bare JIDs. */
function subscriptionStanza(type: SubscriptionType, from: string, to: string, original?: XmlElement): XmlElement {
  const stanza = original ? cloneElement(original) : xml('presence');
  stanza.attrs.type = type;
  stanza.attrs.from = from;
  stanza.attrs.to = to;
  return stanza;
}

function errorPresence(from: string, to: string, spec: StanzaErrorSpec): XmlElement {
  return xml('presence', { type: 'error', from, to }, errorElement(spec));
}

/** A presence error to the user who sent a subscription stanza that could not be processed. */
function bounce(ctx: HandlerContext, contact: string, userFull: string, spec: StanzaErrorSpec): void {
  sendOnBehalf(ctx, errorPresence(contact, userFull, spec));
}
