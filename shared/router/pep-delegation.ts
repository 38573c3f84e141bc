// The router's side of PEP (XEP-0163, docs/pep.md): every user's bare JID is a virtual pubsub
// service kept by the PubSub component. Like the roster (roster-delegation.ts):
// - pubsub IQs to a local user's bare JID (or to none: the own account) reach the component
//   wrapped in a XEP-0355 delegation envelope, its answer goes back with the original addresses;
// - the component sends notifications as the user (XEP-0356 privileged <message/>);
// - it gets a copy of local users' broadcast presence (with their XEP-0115 caps), so that it can
//   filter notifications by `+notify` — every instance gets it, the one the user hashes to gets it
//   plain and the others marked <replica/> (only that one sends last items on login).
import { Element } from 'ltx';
import { parseJid, type Jid } from '../jid.js';
import { stanzaErrorReply } from '../xml/errors.js';
import { unwrapForwarded, wrapForwarded } from '../xml/forwarding.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink } from './component-registry.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { PendingIqTable, type DelegatedIq } from './pending-iq-table.js';
import { PepRequests } from './pep-requests.js';

/** Told of an owner's own PEP IQ set that succeeded (the conversions of docs/pep.md §8 watch these). */
export type OwnerChangeListener = (owner: string, request: Element) => void;

export { PEP_FEATURES, PEP_IDENTITY } from '../xml/pep-features.js';

interface PendingIq extends DelegatedIq {
  /** The address the answer comes from: the owner's bare JID. */
  owner: string;
}

/** `toOther`: addressed to another user's account (whose disco#info the component answers, XEP-0163 §6.2). */
function isPepPayload(stanza: Element, payload: Element, toOther: boolean): boolean {
  if (payload.name === 'pubsub') return payload.attrs.xmlns === NS.pubsub || payload.attrs.xmlns === NS.pubsubOwner;
  // disco#items of an account lists its PEP nodes (XEP-0163 §6.2); disco#info of a node is the node's.
  if (payload.name !== 'query' || stanza.attrs.type !== 'get') return false;
  return payload.attrs.xmlns === NS.discoItems || (payload.attrs.xmlns === NS.discoInfo && (toOther || payload.attrs.node !== undefined));
}

export class PepDelegation {
  /** Clients' PEP IQs delegated to the component, waiting for its answer (pending-iq-table.ts). */
  private readonly pending: PendingIqTable<PendingIq>;
  /** The router's own IQs to PEP services (pep-requests.ts). */
  readonly requests: PepRequests;
  readonly ownerChanges: OwnerChangeListener[] = [];

  constructor(
    private readonly router: Router,
    readonly pepDomain: string,
    timeoutMs: number,
    maxPending: number,
  ) {
    this.pending = new PendingIqTable<PendingIq>({
      sessions: router.sessions,
      idPrefix: `${router.idPrefix}pep`,
      timeoutMs,
      maxPending,
      failed: (entry, condition) => entry.session.deliver(answerError(entry.request, entry.owner, condition)),
    });
    this.requests = new PepRequests(router, pepDomain, timeoutMs, maxPending);
    router.components.onLink((link, up) => {
      if (up && link.domain === pepDomain) void this.replayPresence(link);
    });
  }

  /** Whether the PubSub component serving PEP is attached (disco advertises PEP only then). */
  get available(): boolean {
    return this.router.components.isConnected(this.pepDomain);
  }

  /** A client's IQ get/set to its own account or to another local user's bare JID: taken when it is PEP. */
  handlesFromClient(session: RoutedSession, stanza: Element, payload: Element, to: Jid | undefined): boolean {
    if (to && (to.domain !== this.router.domain || !to.local || to.resource)) return false;
    if (stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set') return false;
    if (!isPepPayload(stanza, payload, to !== undefined && to.bare !== session.jid.bare)) return false;
    const owner = to ? to.bare : session.jid.bare;
    const link = this.router.components.pick(this.pepDomain, owner);
    if (!link) {
      session.deliver(answerError(stanza, owner, 'service-unavailable'));
      return true;
    }
    if (this.pending.full) {
      session.deliver(answerError(stanza, owner, 'resource-constraint'));
      return true;
    }
    this.pending.send(link, { session, request: stanza, owner }, (id) => {
      const outer = new Element('iq', { type: 'set', id, from: this.router.domain, to: this.pepDomain });
      outer.cnode(wrapForwarded('delegation', stanza, { from: session.jid.full, to: owner }));
      return outer;
    });
    return true;
  }

  /** Stanzas from the PubSub component to the server: delegation answers and notifications sent as a user. */
  fromComponent(link: ComponentLink, stanza: Element): boolean {
    if (link.domain !== this.pepDomain) return false;
    if (this.requests.answers(stanza)) return true;
    if (stanza.name === 'iq' && this.pending.has(stanza.attrs.id)) {
      this.answer(stanza);
      return true;
    }
    if (stanza.name !== 'message') return false;
    const inner = unwrapForwarded(stanza, 'privilege');
    if (!inner) return false;
    this.deliverPrivileged(inner);
    return true;
  }

  /** A local resource's broadcast presence changed (available or unavailable): every instance learns it. */
  copyPresence(session: RoutedSession, stanza: Element, initial: boolean): void {
    const links = this.router.components.linksOf(this.pepDomain);
    if (links.length === 0) return;
    const primary = this.router.components.pick(this.pepDomain, session.jid.bare);
    for (const link of links) link.send(this.presenceCopy(session, stanza, initial, link !== primary));
  }

  private presenceCopy(session: RoutedSession, stanza: Element, initial: boolean, replica: boolean): Element {
    const copy = new Element('presence', { ...stanza.attrs, from: session.jid.full, to: this.pepDomain });
    for (const child of stanza.children) if (typeof child !== 'string' && child.attrs.xmlns !== NS.pamperoPresence) copy.cnode(child);
    if (initial) copy.c('initial', { xmlns: NS.pamperoPresence });
    if (replica) copy.c('replica', { xmlns: NS.pamperoPresence });
    return copy;
  }

  /**
   * A PEP instance attached (new or restarted): it learns every available local resource's current
   * presence (not marked initial: no last items are sent for it). A full link queue is waited
   * out (bounded); a closed link ends the replay.
   */
  private async replayPresence(link: ComponentLink): Promise<void> {
    for (const session of this.router.sessions.all()) {
      const last = session.presence.available ? session.presence.last : undefined;
      if (!last) continue;
      const copy = this.presenceCopy(session, last, false, true);
      for (let attempt = 0; ; attempt++) {
        const outcome = link.send(copy);
        if (outcome === 'queued') break;
        if (outcome === 'closed' || attempt >= 100) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** XEP-0356 message permission: only <message/> from a local user's bare JID (the PEP service). */
  private deliverPrivileged(inner: Element): void {
    const from = parseJid(inner.attrs.from ?? '');
    const to = parseJid(inner.attrs.to ?? '');
    if (inner.name !== 'message' || !from || !to || from.domain !== this.router.domain || !from.local || from.resource) {
      this.router.log.warn({ name: inner.name, from: inner.attrs.from, to: inner.attrs.to }, 'PEP: privileged stanza refused');
      return;
    }
    this.router.route(inner, to);
  }

  private answer(outer: Element): void {
    const entry = this.pending.take(outer.attrs.id);
    if (!entry) return;
    const inner = outer.attrs.type === 'result' ? unwrapForwarded(outer, 'delegation') : undefined;
    if (!inner || inner.name !== 'iq' || inner.attrs.id !== entry.request.attrs.id) {
      entry.session.deliver(answerError(entry.request, entry.owner, outer.attrs.type === 'error' ? 'service-unavailable' : 'internal-server-error'));
      return;
    }
    inner.attrs.to = entry.session.jid.full;
    inner.attrs.from = entry.owner;
    entry.session.deliver(inner);
    if (inner.attrs.type === 'result' && entry.request.attrs.type === 'set' && entry.session.jid.bare === entry.owner) {
      for (const listener of this.ownerChanges) listener(entry.owner, entry.request);
    }
  }
}

/** An error answer from the PEP service (the owner's bare JID), to the requesting resource. */
function answerError(stanza: Element, owner: string, condition: 'service-unavailable' | 'resource-constraint' | 'remote-server-timeout' | 'internal-server-error'): Element {
  const reply = stanzaErrorReply(stanza, condition);
  reply.attrs.from = owner;
  return reply;
}
