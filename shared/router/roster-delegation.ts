// The router's side of docs/roster-delegation.md: roster IQs delegated to the roster component
// (XEP-0355), subscription presence handed to it, and the stanzas it sends on users' behalf
// (XEP-0356, extended to presence and IQ) delivered with the router's special rules.
import { Element } from 'ltx';
import { parseJid } from '../jid.js';
import { stanzaErrorReply } from '../xml/errors.js';
import { unwrapForwarded, wrapForwarded } from '../xml/forwarding.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink } from './component-registry.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { PendingIqTable, type DelegatedIq } from './pending-iq-table.js';
import { RosterResultCache } from './roster-result-cache.js';
import type { RosterPrefetch } from './roster-prefetch.js';

export class RosterDelegation {
  /** Clients' roster IQs delegated to the component, waiting for its answer (pending-iq-table.ts). */
  private readonly pending: PendingIqTable<DelegatedIq>;
  readonly cache = new RosterResultCache(100_000);
  /** Told every full roster result and every push (non-contact-limit.ts); `full` false for a push. */
  onRoster: ((bare: string, query: Element | undefined, full: boolean) => void) | undefined;
  /** Answers to the router's own delegated IQs (non-contact-limit.ts), by id; the sender removes its entry on timeout. */
  readonly ownRequests = new Map<string, (answer: Element) => void>();
  /** Roster fetched at login (roster-prefetch.ts, `roster.prefetch`); undefined when off. */
  prefetch: Pick<RosterPrefetch, 'waitFor' | 'invalidate'> | undefined;

  constructor(
    private readonly router: Router,
    private readonly rosterDomain: string,
    timeoutMs: number,
    maxPending: number,
  ) {
    this.pending = new PendingIqTable({
      sessions: router.sessions,
      idPrefix: `${router.idPrefix}deleg`,
      timeoutMs,
      maxPending,
      failed: (entry, condition) => entry.session.deliver(clientError(entry.request, condition)),
    });
  }

  /** A client's own-account IQ: takes it when it is a roster query. */
  handlesFromClient(session: RoutedSession, stanza: Element, payload: Element): boolean {
    if (payload.name !== 'query' || payload.attrs.xmlns !== NS.roster) return false;
    if (stanza.attrs.type === 'get' && this.answerFromCache(session, stanza, payload)) return true;
    if (stanza.attrs.type === 'get' && this.prefetch?.waitFor(session, stanza)) {
      session.presence.rosterInterested = true;
      return true;
    }
    if (stanza.attrs.type === 'set') {
      this.cache.forget(session.jid.bare);
      this.prefetch?.invalidate(session.jid.bare); // its gets go to the component before this set
    }
    const link = this.router.components.pick(this.rosterDomain, session.jid.bare);
    if (!link) {
      session.deliver(clientError(stanza, 'service-unavailable'));
      return true;
    }
    if (this.pending.full) {
      session.deliver(clientError(stanza, 'resource-constraint'));
      return true;
    }
    if (stanza.attrs.type === 'get') session.presence.rosterInterested = true;
    this.pending.send(link, { session, request: stanza }, (id) => {
      const outer = new Element('iq', { type: 'set', id, from: this.router.domain, to: this.rosterDomain });
      outer.cnode(wrapForwarded('delegation', stanza, { to: session.jid.bare }));
      return outer;
    });
    return true;
  }

  /**
   * subscribe/subscribed/unsubscribe/unsubscribed: from a client (the component does both sides)
   * or from another component to a local user (the component does the user's side).
   */
  forwardSubscription(stanza: Element, from: string, shardKey: string): void {
    const link = this.router.components.pick(this.rosterDomain, shardKey);
    if (!link) {
      this.router.log.warn({ from }, 'roster component not connected: subscription presence dropped');
      return;
    }
    const outer = new Element('message', { from: this.router.domain, to: this.rosterDomain });
    outer.cnode(wrapForwarded('privilege', stanza, { from }));
    link.send(outer);
  }

  /** Stanzas from components addressed to the server: delegation answers and privileged sends. */
  fromComponent(link: ComponentLink, stanza: Element): boolean {
    if (link.domain !== this.rosterDomain) return false;
    if (stanza.name === 'iq' && this.pending.has(stanza.attrs.id)) {
      this.answer(stanza);
      return true;
    }
    const own = stanza.name === 'iq' ? this.ownRequests.get(stanza.attrs.id) : undefined;
    if (own) {
      this.ownRequests.delete(stanza.attrs.id);
      own(stanza);
      return true;
    }
    if (stanza.name === 'message') {
      const inner = unwrapForwarded(stanza, 'privilege');
      if (inner) this.deliverPrivileged(inner);
      return inner !== undefined;
    }
    return false;
  }

  private answer(outer: Element): void {
    const entry = this.pending.take(outer.attrs.id);
    if (!entry) return;
    const inner = outer.attrs.type === 'result' ? unwrapForwarded(outer, 'delegation') : undefined;
    if (!inner || inner.name !== 'iq' || inner.attrs.id !== entry.request.attrs.id) {
      entry.session.deliver(clientError(entry.request, outer.attrs.type === 'error' ? 'service-unavailable' : 'internal-server-error'));
      return;
    }
    inner.attrs.to = entry.session.jid.full;
    inner.attrs.from = entry.session.jid.bare;
    if (entry.request.attrs.type === 'get' && inner.attrs.type === 'result') {
      this.cache.remember(entry.session.jid.bare, inner.getChild('query', NS.roster));
      this.onRoster?.(entry.session.jid.bare, inner.getChild('query', NS.roster), true);
    }
    entry.session.deliver(inner);
  }

  /** A roster get answered from the last full result (see roster-result-cache.ts). */
  private answerFromCache(session: RoutedSession, stanza: Element, payload: Element): boolean {
    const hit = this.cache.answer(session.jid.bare, payload.attrs.ver);
    if (!hit) return false;
    session.presence.rosterInterested = true;
    const reply = new Element('iq', { type: 'result', id: stanza.attrs.id, from: session.jid.bare, to: session.jid.full });
    if (hit.payload) reply.cnode(hit.payload);
    session.deliver(reply);
    return true;
  }

  /** The user's last session here ended: their cached roster may go stale without pushes. */
  sessionEnded(session: RoutedSession): void {
    if (this.router.sessions.resourcesOf(session.jid.bare).length === 0) this.cache.forget(session.jid.bare);
  }

  private deliverPrivileged(inner: Element): void {
    // The roster component is trusted with any `from`: local users, components (their
    // subscriptions) and remote contacts (presence errors it bounces on their behalf).
    const from = parseJid(inner.attrs.from ?? '');
    const to = parseJid(inner.attrs.to ?? '');
    if (!from || !to) {
      this.router.log.warn({ from: inner.attrs.from, to: inner.attrs.to }, 'privileged stanza without valid addresses dropped');
      return;
    }
    if (this.router.blocking.refusesPrivileged(from, to)) return; // XEP-0191 §3.3: no presence either way
    if (inner.name === 'iq' && inner.attrs.type === 'set' && from.bare === to.bare && !to.resource && inner.getChild('query', NS.roster)) {
      this.push(to.bare, inner);
      return;
    }
    if (inner.name === 'presence' && inner.attrs.type === 'probe' && to.domain === this.router.domain && to.local) {
      this.router.presence.answerProbe(from, to);
      return;
    }
    this.router.route(inner, to);
  }

  /** Roster push (RFC 6121 §2.1.6): to each interested resource, each with its own `to`. */
  private push(bare: string, iq: Element): void {
    this.cache.forget(bare);
    this.prefetch?.invalidate(bare);
    this.onRoster?.(bare, iq.getChild('query', NS.roster), false);
    for (const s of this.router.sessions.resourcesOf(bare)) {
      if (!s.presence.rosterInterested) continue;
      const copy = new Element('iq', { ...iq.attrs, to: s.jid.full });
      for (const child of iq.children) copy.cnode(child as Element);
      s.deliver(copy);
    }
  }
}

/** An error answer to a client's own-account IQ: no `from` (RFC 6120 §8.1.2.1). */
function clientError(stanza: Element, condition: 'service-unavailable' | 'resource-constraint' | 'remote-server-timeout' | 'internal-server-error'): Element {
  const reply = stanzaErrorReply(stanza, condition);
  delete reply.attrs.from;
  return reply;
}
