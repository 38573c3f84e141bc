// Roster prefetch at login (`roster.prefetch`, on by default; docs/roster-delegation.md §5): when a
// user's first session binds here, the router asks the roster component for the full roster on the
// user's behalf (the same XEP-0355 delegated get a client's would be) and keeps the answer in its
// roster result cache (roster-result-cache.ts). The client's own first get — which nearly every
// client sends right after binding — is then answered by the router without the component hop,
// as Prosody answers it from the roster it loads at bind. A get that arrives while the prefetch is
// on its way waits for it instead of asking the component a second time.
//
// Ordering is kept as without the prefetch: a roster set the user sends, or a roster push for the
// user, while the prefetch is on its way makes its answer unusable (not cached), and the gets that
// were waiting for it go to the component as they would have (after the set, in the component's
// per-user order). Bounded: at most maxInFlight prefetches and maxWaiting gets per user; beyond,
// logins simply do not prefetch and gets take the usual path.
import { Element } from 'ltx';
import { unwrapForwarded, wrapForwarded } from '../xml/forwarding.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';

interface Waiting {
  session: RoutedSession;
  stanza: Element;
}

interface InFlight {
  id: string;
  waiting: Waiting[];
  timer: NodeJS.Timeout;
}

export class RosterPrefetch {
  private readonly inFlight = new Map<string, InFlight>();
  private nextId = 0;

  constructor(
    private readonly router: Router,
    private readonly maxInFlight = 10_000,
    private readonly maxWaiting = 16,
  ) {}

  /** A local session bound: fetch the roster unless it is cached or on its way. */
  sessionBound(session: RoutedSession): void {
    const bare = session.jid.bare;
    const { delegation } = this.router;
    if (session.remote || this.inFlight.has(bare) || delegation.cache.has(bare)) return;
    if (this.inFlight.size >= this.maxInFlight || delegation.ownRequests.size >= 10_000) return;
    const rosterDomain = this.router.options.rosterDomain;
    const link = this.router.components.pick(rosterDomain, bare);
    if (!link) return;
    const id = `${this.router.idPrefix}pre${++this.nextId}`;
    const inner = new Element('iq', { type: 'get', id, from: session.jid.full, to: bare });
    inner.c('query', { xmlns: NS.roster });
    const outer = new Element('iq', { type: 'set', id, from: this.router.domain, to: rosterDomain });
    outer.cnode(wrapForwarded('delegation', inner, { to: bare }));
    const timer = setTimeout(() => this.settle(bare, id, undefined), this.router.options.iqTimeoutMs);
    timer.unref();
    this.inFlight.set(bare, { id, waiting: [], timer });
    delegation.ownRequests.set(id, (answer) => this.settle(bare, id, answer));
    if (link.send(outer) === 'full') this.settle(bare, id, undefined);
  }

  /** A client's roster get: true when it waits for the prefetch on its way (and is answered then). */
  waitFor(session: RoutedSession, stanza: Element): boolean {
    const entry = this.inFlight.get(session.jid.bare);
    if (!entry || entry.waiting.length >= this.maxWaiting) return false;
    entry.waiting.push({ session, stanza });
    return true;
  }

  /** A roster set or push for the user: the prefetch on its way may be older than the change. */
  invalidate(bare: string): void {
    const entry = this.inFlight.get(bare);
    if (entry) this.settle(bare, entry.id, undefined);
  }

  private settle(bare: string, id: string, answer: Element | undefined): void {
    const entry = this.inFlight.get(bare);
    if (!entry || entry.id !== id) return;
    this.inFlight.delete(bare);
    clearTimeout(entry.timer);
    const { delegation } = this.router;
    // Not removed on a late answer: ownRequests would keep it; an unknown id is dropped there.
    delegation.ownRequests.delete(id);
    const result = answer?.attrs.type === 'result' ? unwrapForwarded(answer, 'delegation') : undefined;
    const query = result?.attrs.type === 'result' ? result.getChild('query', NS.roster) : undefined;
    // Only while the user still has a session here: the entry is dropped with the last one.
    if (query && this.router.sessions.resourcesOf(bare).length > 0) {
      delegation.cache.remember(bare, query);
      delegation.onRoster?.(bare, query, true);
    }
    for (const { session, stanza } of entry.waiting) {
      if (this.router.sessions.get(session.jid.full) !== session) continue; // gone meanwhile
      const payload = stanza.getChild('query', NS.roster);
      if (payload) delegation.handlesFromClient(session, stanza, payload); // the cache, or the component
    }
  }
}

/** Prefetches each user's roster when their first session binds on this router. */
export function installRosterPrefetch(router: Router): RosterPrefetch {
  const prefetch = new RosterPrefetch(router);
  router.delegation.prefetch = prefetch;
  router.sessionHooks.bound.push((s) => prefetch.sessionBound(s));
  return prefetch;
}
