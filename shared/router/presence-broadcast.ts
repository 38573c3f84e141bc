// Presence the router handles itself (RFC 6121 §4): each resource's state, reflection to the
// user's own resources, directed presence, probes answered for local contacts, and the copy of
// broadcast presence that lets the roster component fan it out to contacts
// (docs/roster-delegation.md §3).
import { Element } from 'ltx';
import { parseJid, type Jid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';

export const SUBSCRIPTION_TYPES = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/** RFC 6121 §4.7.2.3: priority is an integer from -128 to +127, 0 when absent or invalid. */
function parsePriority(stanza: Element): number {
  const text = stanza.getChildText('priority');
  if (text === null) return 0;
  const value = Number.parseInt(text.trim(), 10);
  return Number.isInteger(value) && value >= -128 && value <= 127 ? value : 0;
}

function withAddress(stanza: Element, from: string, to: string): Element {
  const copy = new Element('presence', { ...stanza.attrs, from, to });
  for (const child of stanza.children) copy.cnode(child as Element);
  return copy;
}

export class PresenceBroadcast {
  constructor(private readonly router: Router, private readonly rosterDomain: string) {}

  fromClient(session: RoutedSession, stanza: Element, to: Jid | undefined): void {
    const type: string | undefined = stanza.attrs.type;
    if (type === undefined) this.router.vcardAvatars.stamp(session.jid.bare, stanza); // XEP-0398 §4, broadcast and directed
    if (!to) {
      if (type === undefined) this.available(session, stanza);
      else if (type === 'unavailable') this.unavailable(session, stanza);
      return; // other types without `to` mean nothing (RFC 6121 §4.7.1)
    }
    if (type !== undefined && SUBSCRIPTION_TYPES.has(type)) {
      this.router.delegation.forwardSubscription(stanza, session.jid.full, session.jid.bare);
      return;
    }
    if (type === 'probe') return; // probes are the server's business (RFC 6121 §4.3)
    // Directed presence (RFC 6121 §4.6): remembered so the recipient learns when we go offline.
    if (type === undefined) (session.presence.directedTo ??= new Set()).add(to.full);
    else if (type === 'unavailable') session.presence.directedTo?.delete(to.full);
    this.router.route(stanza, to);
  }

  /** The session ended without unavailable presence: RFC 6121 §4.5.3 has the server send it. */
  sessionEnded(session: RoutedSession): void {
    const unavailable = new Element('presence', { type: 'unavailable', from: session.jid.full });
    if (session.presence.available) this.unavailable(session, unavailable);
    else this.tellDirected(session, unavailable);
  }

  /**
   * The resource's current presence to its contacts again, as a presence update (a fleet declared
   * its node dead while it was only stuck and told the contacts it was unavailable).
   */
  rebroadcast(session: RoutedSession): void {
    const last = session.presence.last;
    if (!session.presence.available || !last) return;
    this.copyToRoster(session, last, false);
  }

  /** Answers a probe on behalf of a local contact (RFC 6121 §4.3.2); the roster component checked the subscription. */
  answerProbe(prober: Jid, contact: Jid): void {
    const resources = this.router.local.availableResources(contact.bare);
    if (resources.length === 0) {
      this.router.route(new Element('presence', { from: contact.bare, to: prober.full, type: 'unavailable' }), prober);
      return;
    }
    for (const s of resources) {
      if (s.presence.last) this.router.route(withAddress(s.presence.last, s.jid.full, prober.full), prober);
    }
  }

  private available(session: RoutedSession, stanza: Element): void {
    const p = session.presence;
    const initial = !p.available;
    p.available = true;
    p.priority = parsePriority(stanza);
    p.last = stanza;
    this.router.sessions.presenceChanged?.(session); // a fleet's other nodes route by it
    this.reflect(session, stanza);
    this.copyToRoster(session, stanza, initial);
    if (initial && p.priority >= 0) void this.router.offline.flushTo(session);
  }

  private unavailable(session: RoutedSession, stanza: Element): void {
    const p = session.presence;
    if (!p.available) {
      this.tellDirected(session, stanza);
      return;
    }
    p.available = false;
    p.last = undefined;
    this.router.sessions.presenceChanged?.(session);
    this.reflect(session, stanza);
    this.tellDirected(session, stanza);
    this.copyToRoster(session, stanza, false);
  }

  /** RFC 6121 §4.2.2 / §4.5.2: the user's own available resources see it too, the sender included. */
  private reflect(session: RoutedSession, stanza: Element): void {
    const copy = withAddress(stanza, session.jid.full, session.jid.bare);
    for (const s of this.router.local.availableResources(session.jid.bare)) s.deliver(copy);
  }

  private tellDirected(session: RoutedSession, stanza: Element): void {
    const directed = session.presence.directedTo;
    if (!directed || directed.size === 0) return;
    for (const full of directed) {
      const to = parseJid(full);
      if (to) this.router.route(withAddress(stanza, session.jid.full, full), to);
    }
    directed.clear();
  }

  private copyToRoster(session: RoutedSession, stanza: Element, initial: boolean): void {
    this.router.pep.copyPresence(session, stanza, initial); // PEP's +notify filtering (docs/pep.md)
    const link = this.router.components.pick(this.rosterDomain, session.jid.bare);
    if (!link) return;
    const copy = withAddress(stanza, session.jid.full, this.rosterDomain);
    if (initial) copy.c('initial', { xmlns: NS.pamperoPresence });
    link.send(copy);
  }
}
