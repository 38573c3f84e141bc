// Presence subscription states and their transitions: RFC 6121 Appendix A (A.1 states, A.2
// outbound, A.3 inbound) plus pre-approval (§3.4). Pure: no storage, no stanzas. The callers
// (subscription-presence.ts, roster-query.ts) apply the outcome to the stored rosters.
import type { Subscription } from '../../shared/storage/types.js';

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

export const SUBSCRIPTION_TYPES: readonly SubscriptionType[] = ['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed'];

export function isSubscriptionType(type: string | undefined): type is SubscriptionType {
  return (SUBSCRIPTION_TYPES as readonly string[]).includes(type ?? '');
}

/** One side's view of its relation with one contact (RFC 6121 A.1, plus the §3.4 'approved' flag). */
export interface SubscriptionState {
  subscription: Subscription;
  /** "Pending Out": the owner asked to subscribe (roster item ask='subscribe'). */
  pendingOut: boolean;
  /** "Pending In": the contact asked to subscribe (stored in roster.pendingIn). */
  pendingIn: boolean;
  /** §3.4: the owner pre-approved the contact's subscription (roster item approved='true'). */
  approved: boolean;
}

export const NO_SUBSCRIPTION: SubscriptionState = { subscription: 'none', pendingOut: false, pendingIn: false, approved: false };

/** What the owner's server does with a subscription stanza the owner sends (A.2). */
export interface OutboundOutcome {
  next: SubscriptionState;
  /** Route the stanza (stamped with the owner's bare JID) to the contact. */
  route: boolean;
  /** §3.2.2: before routing 'unsubscribed', send unavailable presence from the owner to the contact. */
  sendUnavailable: boolean;
}

/** What the recipient's server does with a subscription stanza from the contact (A.3). */
export interface InboundOutcome {
  next: SubscriptionState;
  /** Deliver the stanza to the recipient's available resources. */
  deliver: boolean;
  /** §3.1.3 / §3.4: answer 'subscribed' on the recipient's behalf (already subscribed, or pre-approved). */
  autoReply?: 'subscribed';
  /** §3.3.3: after an 'unsubscribe', send unavailable presence from the recipient to the contact. */
  sendUnavailable: boolean;
}

export function hasTo(subscription: Subscription): boolean {
  return subscription === 'to' || subscription === 'both';
}

export function hasFrom(subscription: Subscription): boolean {
  return subscription === 'from' || subscription === 'both';
}

function compose(to: boolean, from: boolean): Subscription {
  if (to && from) return 'both';
  if (to) return 'to';
  if (from) return 'from';
  return 'none';
}

function withTo(s: Subscription, to: boolean): Subscription {
  return compose(to, hasFrom(s));
}

function withFrom(s: Subscription, from: boolean): Subscription {
  return compose(hasTo(s), from);
}

export function sameState(a: SubscriptionState, b: SubscriptionState): boolean {
  return a.subscription === b.subscription && a.pendingOut === b.pendingOut && a.pendingIn === b.pendingIn && a.approved === b.approved;
}

/** A.2.1 / A.2.2: the owner sends `type` to the contact. */
export function outboundTransition(state: SubscriptionState, type: SubscriptionType): OutboundOutcome {
  const s = state.subscription;
  const unchanged = { next: state, route: true, sendUnavailable: false };
  switch (type) {
    case 'subscribe': // §3.1.2, A.2.1: None → None + Pending Out, From → From + Pending Out; always routed.
      if (state.pendingOut || hasTo(s)) return unchanged;
      return { ...unchanged, next: { ...state, pendingOut: true } };
    case 'unsubscribe': // §3.3.2, A.2.1: drops "To" and "Pending Out"; always routed.
      return { ...unchanged, next: { ...state, subscription: withTo(s, false), pendingOut: false } };
    case 'subscribed':
      // §3.4.2 rule 1: already "From"/"Both": silently ignored.
      if (hasFrom(s)) return { ...unchanged, route: false };
      // §3.1.5, A.2.2: approving a pending request.
      if (state.pendingIn) {
        return { ...unchanged, next: { ...state, subscription: withFrom(s, true), pendingIn: false, approved: false } };
      }
      // §3.4.2 rules 3–4: no request pending: a pre-approval, recorded and not routed.
      return { ...unchanged, route: false, next: { ...state, approved: true } };
    case 'unsubscribed':
      // §3.2.2, A.2.2: cancelling the contact's subscription: unavailable first, then 'unsubscribed'.
      if (hasFrom(s)) {
        return { next: { ...state, subscription: withFrom(s, false), approved: false }, route: true, sendUnavailable: true };
      }
      // §3.2.2 / A.2.2: denying a pending request.
      if (state.pendingIn) return { ...unchanged, next: { ...state, pendingIn: false, approved: false } };
      // §3.4: cancelling a pre-approval: not routed.
      if (state.approved) return { ...unchanged, route: false, next: { ...state, approved: false } };
      return unchanged;
  }
}

/** A.3.1 – A.3.4: the recipient's server receives `type` from the contact. */
export function inboundTransition(state: SubscriptionState, type: SubscriptionType): InboundOutcome {
  const s = state.subscription;
  const dropped = { next: state, deliver: false, sendUnavailable: false };
  switch (type) {
    case 'subscribe':
      // §3.1.3 rule 2, A.3.1: the contact is already subscribed: auto-reply, do not deliver.
      if (hasFrom(s)) return { ...dropped, autoReply: 'subscribed' };
      // §3.4.3: pre-approved: approve on the recipient's behalf, do not deliver.
      if (state.approved) {
        return { ...dropped, autoReply: 'subscribed', next: { ...state, subscription: withFrom(s, true), approved: false } };
      }
      // A.3.1: a request is already pending: no state change, not delivered again.
      if (state.pendingIn) return dropped;
      return { ...dropped, deliver: true, next: { ...state, pendingIn: true } };
    case 'unsubscribe':
      // §3.3.3, A.3.2: the contact cancels its subscription (or its pending request).
      if (hasFrom(s)) return { next: { ...state, subscription: withFrom(s, false) }, deliver: true, sendUnavailable: true };
      if (state.pendingIn) return { ...dropped, deliver: true, next: { ...state, pendingIn: false } };
      return dropped;
    case 'subscribed':
      // §3.1.6, A.3.3: only an answer to a pending request of ours changes anything.
      if (!state.pendingOut) return dropped;
      return { ...dropped, deliver: true, next: { ...state, subscription: withTo(s, true), pendingOut: false } };
    case 'unsubscribed':
      // §3.2.3, A.3.4: our subscription (or our pending request) is cancelled or denied.
      if (!hasTo(s) && !state.pendingOut) return dropped;
      return { ...dropped, deliver: true, next: { ...state, subscription: withTo(s, false), pendingOut: false } };
  }
}

/** The RFC 6121 A.1 name of a state ("None + Pending Out+In", "To + Pending In", …). */
export function describeState(state: SubscriptionState): string {
  const base = { none: 'None', to: 'To', from: 'From', both: 'Both' }[state.subscription];
  const pending = [state.pendingOut ? 'Out' : '', state.pendingIn ? 'In' : ''].filter(Boolean).join('+');
  const name = pending ? `${base} + Pending ${pending}` : base;
  return state.approved ? `${name} (pre-approved)` : name;
}

/** Parses an A.1 state name (the inverse of describeState). */
export function parseState(name: string): SubscriptionState {
  const approved = name.endsWith(' (pre-approved)');
  const bare = approved ? name.slice(0, -' (pre-approved)'.length) : name;
  const [base, pending = ''] = bare.split(' + Pending ');
  const subscription = ({ None: 'none', To: 'to', From: 'from', Both: 'both' } as const)[base as 'None' | 'To' | 'From' | 'Both'];
  if (!subscription) throw new Error(`not an RFC 6121 A.1 state: ${name}`);
  const parts = pending ? pending.split('+') : [];
  return { subscription, pendingOut: parts.includes('Out'), pendingIn: parts.includes('In'), approved };
}
