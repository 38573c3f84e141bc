// The `messages-to-non-contacts` rule (docs/abuse.md): messages with a body that a user sends to
// JIDs not in their roster with a subscription (to, from or both) count against a budget per
// account; over it they are refused with `policy-violation` (RFC 6120 §8.3.3.12: a local service
// policy), counted and recorded as an abuse event. Messages to contacts are never counted.
//
// No storage is read per message: the contacts of each online user are kept in memory from what
// the router already sees — the full roster results the roster component returns (every client
// asks at login; roster-delegation.ts) and the roster pushes that announce every change — and
// dropped with the user's last session. For a user whose full roster the router has not seen (a
// client that never asks for it, or one whose cached roster was current, XEP-0237) the router
// asks the roster component once, at the first message that needs it; until the answer is in,
// such messages are counted.
import { Element } from 'ltx';
import type { Jid } from '../jid.js';
import { stanzaErrorReply } from '../xml/errors.js';
import { unwrapForwarded, wrapForwarded } from '../xml/forwarding.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';

/** A refusal (`retryAfterSeconds`) or an admission (undefined). */
type BudgetAnswer = { retryAfterSeconds: number } | undefined;

/** What the limit asks abuse control (shared/abuse/abuse-guard.ts): an answer now (local credit, docs/abuse.md), or later. */
export interface NonContactBudget {
  messageToNonContact(bareJid: string): BudgetAnswer | Promise<BudgetAnswer>;
}

const SUBSCRIBED = new Set(['to', 'from', 'both']);

export class NonContactLimit {
  /** Bare JID of an online user → bare JIDs of their contacts; only users whose roster was seen. */
  private readonly contacts = new Map<string, Set<string>>();
  /** Users whose roster the router asked the roster component for (while they are online). */
  private readonly asked = new Set<string>();
  private nextId = 0;

  constructor(private readonly router: Router, private readonly budget: NonContactBudget, private readonly maxUsers = 100_000) {}

  /** A full roster (result of a roster get), or a push of changed items (`full` false). */
  rosterSeen(bare: string, query: Element | undefined, full: boolean): void {
    if (!query) return;
    let set = this.contacts.get(bare);
    if (full) {
      set = new Set();
      this.contacts.delete(bare);
      if (this.contacts.size >= this.maxUsers) this.contacts.delete(this.contacts.keys().next().value!);
      if (this.router.sessions.resourcesOf(bare).length > 0) this.contacts.set(bare, set);
    }
    if (!set) return; // a push for a user whose roster was never seen: nothing to update
    for (const item of query.getChildren('item')) {
      const jid = (item.attrs.jid as string | undefined)?.toLowerCase();
      if (!jid) continue;
      if (SUBSCRIBED.has(item.attrs.subscription)) set.add(jid);
      else set.delete(jid);
    }
  }

  /** A resource is gone: forget the contacts with the user's last resource. */
  sessionEnded(session: RoutedSession): void {
    if (this.router.sessions.resourcesOf(session.jid.bare).length > 0) return;
    this.contacts.delete(session.jid.bare);
    this.asked.delete(session.jid.bare);
  }

  /** Whether `to` is one of the contacts of `bare` (false when the roster was not seen). */
  isContact(bare: string, to: Jid): boolean {
    return this.contacts.get(bare)?.has(to.bare) ?? false;
  }

  /**
   * A message from a client: true when the limit took it over — it is routed later, once the
   * budget said yes (Router.routeMessage), or refused. False: route it now (admitted in this turn
   * from the budget's local credit, or not counted).
   */
  holds(session: RoutedSession, stanza: Element, to: Jid): boolean {
    const bare = session.jid.bare;
    if (!this.counts(stanza, to, bare) || this.isContact(bare, to)) return false;
    if (!this.contacts.has(bare)) this.askRoster(session);
    const answer = this.budget.messageToNonContact(bare);
    if (!(answer instanceof Promise)) {
      if (!answer) return false;
      this.refuse(session, stanza, answer.retryAfterSeconds);
      return true;
    }
    // Admitted, it goes on from where Router.fromClient left it (its checks are done).
    void answer.then(
      (refusal) => (refusal ? this.refuse(session, stanza, refusal.retryAfterSeconds) : this.router.routeMessage(session, stanza, to)),
      () => this.router.routeMessage(session, stanza, to), // the budget could not be asked: let the message through
    );
    return true;
  }

  /** Messages with a body, to another user's JID (not a room, a component or the user themself). */
  private counts(stanza: Element, to: Jid, bare: string): boolean {
    const type = stanza.attrs.type;
    if (type === 'groupchat' || type === 'error' || !to.local || to.bare === bare) return false;
    if (to.domain !== this.router.domain && this.router.components.isConnected(to.domain)) return false;
    return stanza.getChild('body') !== undefined;
  }

  /** One full roster get on the user's behalf (XEP-0355 delegation, as a client's would go); its answer fills the contacts. */
  private askRoster(session: RoutedSession): void {
    const bare = session.jid.bare;
    if (this.asked.has(bare)) return;
    if (this.asked.size >= this.maxUsers) this.asked.clear();
    this.asked.add(bare);
    const { delegation } = this.router;
    const link = this.router.components.pick(this.router.options.rosterDomain, bare);
    if (!link || delegation.ownRequests.size >= 10_000) return void this.asked.delete(bare);
    const id = `${this.router.idPrefix}nc${++this.nextId}`;
    const inner = new Element('iq', { type: 'get', id, from: session.jid.full, to: bare });
    inner.c('query', { xmlns: NS.roster });
    const outer = new Element('iq', { type: 'set', id, from: this.router.domain, to: this.router.options.rosterDomain });
    outer.cnode(wrapForwarded('delegation', inner, { to: bare }));
    const timer = setTimeout(() => {
      delegation.ownRequests.delete(id);
      this.asked.delete(bare); // no answer: the next message may ask again
    }, this.router.options.iqTimeoutMs);
    timer.unref();
    delegation.ownRequests.set(id, (answer) => {
      clearTimeout(timer);
      const result = answer.attrs.type === 'result' ? unwrapForwarded(answer, 'delegation') : undefined;
      if (result?.attrs.type === 'result') this.rosterSeen(bare, result.getChild('query', NS.roster), true);
    });
    if (link.send(outer) === 'full') {
      clearTimeout(timer);
      delegation.ownRequests.delete(id);
    }
  }

  private refuse(session: RoutedSession, stanza: Element, seconds: number): void {
    const reply = stanzaErrorReply(stanza, 'policy-violation', `Too many messages to people not in your roster; try again in ${seconds} s`, 'wait');
    session.deliver(reply);
  }
}

/** Puts the limit on a router (abuse control on); the roster hooks feed it. */
export function installNonContactLimit(router: Router, budget: NonContactBudget): NonContactLimit {
  const limit = new NonContactLimit(router, budget);
  router.nonContacts = limit;
  router.delegation.onRoster = (bare, query, full) => limit.rosterSeen(bare, query, full);
  router.sessionHooks.ended.push((s) => limit.sessionEnded(s));
  return limit;
}
