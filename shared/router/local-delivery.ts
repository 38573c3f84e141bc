// Delivery to users of the local domain: the rules of RFC 6121 §8.5.
import { Element } from 'ltx';
import { parseJid, type Jid } from '../jid.js';
import type { AccountStore } from '../storage/types.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { sendReceivedCarbons } from './features/carbons.js';
import { storageErrorCondition } from '../storage/storage-bulkhead.js';

export class LocalDelivery {
  constructor(private readonly router: Router, private readonly accounts: AccountStore) {}

  deliver(stanza: Element, to: Jid): void {
    if (this.router.blocking.refusesInbound(stanza, to)) return; // XEP-0191 §3.3
    // XEP-0313 §5.1: what was not refused is archived for the recipient; the copy delivered carries the XEP-0359 stanza-id.
    if (stanza.name === 'message' && this.router.archive) stanza = this.router.archive.received(stanza, to);
    if (to.resource) this.toFullJid(stanza, to);
    else this.toBareJid(stanza, to);
  }

  /**
   * A stanza this node or another already routed (blocklists checked, archived) whose resource
   * turned out to be elsewhere or gone: the rules of §8.5 again, without archiving it twice.
   */
  redeliver(stanza: Element, to: Jid): void {
    if (to.resource) this.toFullJid(stanza, to);
    else this.toBareJid(stanza, to);
  }

  /** Available resources with the highest non-negative priority (RFC 6121 §8.5.2.1.1), among those `eligible` accepts. */
  topResources(bare: string, eligible?: (session: RoutedSession) => boolean): RoutedSession[] {
    let best = -1;
    let top: RoutedSession[] = [];
    for (const s of this.router.sessions.resourcesOf(bare)) {
      if (eligible && !eligible(s)) continue;
      const p = s.presence;
      if (!p.available || p.priority < 0 || p.priority < best) continue;
      if (p.priority > best) {
        best = p.priority;
        top = [];
      }
      top.push(s);
    }
    return top;
  }

  availableResources(bare: string): RoutedSession[] {
    return this.router.sessions.resourcesOf(bare).filter((s) => s.presence.available);
  }

  // RFC 6121 §8.5.3: a full JID.
  private toFullJid(stanza: Element, to: Jid): void {
    const session = this.router.sessions.get(to.full);
    if (session) {
      session.deliver(stanza);
      if (stanza.name === 'message') sendReceivedCarbons(this.router, to.bare, stanza, [session]);
      return;
    }
    const type = stanza.attrs.type;
    switch (stanza.name) {
      case 'message':
        // §8.5.3.2.1: normal, chat and headline go to the bare JID; groupchat is refused.
        if (type === 'groupchat') this.router.bounce(stanza, 'service-unavailable');
        else if (type !== 'error') this.toBareJid(stanza, to);
        return;
      case 'presence':
        return; // §8.5.3.2.3: silently ignored (subscriptions are the roster component's)
      case 'iq':
        if (type === 'get' || type === 'set') this.router.bounce(stanza, 'service-unavailable');
        return;
    }
  }

  // RFC 6121 §8.5.2: a bare JID.
  private toBareJid(stanza: Element, to: Jid): void {
    const bare = to.bare;
    const type = stanza.attrs.type;
    if (stanza.name === 'presence') {
      for (const s of this.availableResources(bare)) s.deliver(stanza);
      return;
    }
    if (stanza.name === 'iq') {
      if (type === 'get' || type === 'set') this.answerForAccount(stanza, to);
      else this.router.push?.answered(stanza); // an app server's answer to a notification (XEP-0357)
      return;
    }
    // <message/>
    if (type === 'groupchat' || type === 'error') {
      if (type === 'groupchat') this.router.bounce(stanza, 'service-unavailable');
      return;
    }
    if (type === 'headline') {
      for (const s of this.topResources(bare)) s.deliver(stanza);
      return;
    }
    const top = this.topResources(bare);
    if (top.length > 0) {
      for (const s of top) s.deliver(stanza);
      sendReceivedCarbons(this.router, bare, stanza, top);
      return;
    }
    void this.storeOffline(stanza, bare);
  }

  /** §8.5.2.1.3: an IQ to a bare JID is answered by the server for the account (vCard, last activity, …). */
  private answerForAccount(stanza: Element, to: Jid): void {
    const payload = stanza.getChildElements();
    const from = parseJid(stanza.attrs.from ?? '');
    const handler = payload.length === 1 ? this.router.accountIq.find(stanza.attrs.type, payload[0]!.attrs.xmlns) : undefined;
    if (!handler || !from) return this.router.bounce(stanza, 'service-unavailable');
    void this.router.accountIq.answer(handler, { stanza, payload: payload[0]!, from }, to.bare).then((reply) => this.router.route(reply, from));
  }

  /** §8.5.2.2.1 and XEP-0160: no available resource, so keep it for the next login if the account exists. */
  private async storeOffline(stanza: Element, bare: string): Promise<void> {
    try {
      if (!(await this.accounts.get(bare))) {
        this.router.bounce(stanza, 'service-unavailable');
        return;
      }
      if (await this.router.blocking.refusesInboundOffline(stanza, bare)) return; // XEP-0191 §3.3
      // A resource may have come online while we looked the account up.
      const top = this.topResources(bare);
      if (top.length > 0) {
        for (const s of top) s.deliver(stanza);
        return;
      }
      if (!hasBody(stanza)) return; // chat states and receipts alone are not worth storing
      if (!(await this.router.offline.store(bare, stanza))) {
        this.router.bounce(stanza, 'service-unavailable', 'The recipient is offline and their offline storage is full');
      } else {
        this.router.push?.storedOffline(bare, stanza); // XEP-0357
      }
    } catch (err) {
      const condition = storageErrorCondition(err); // slow or busy storage: a wait-type error (docs/isolation.md)
      if (condition) this.router.log.warn({ err: String(err), to: bare }, 'offline storage unavailable');
      else this.router.log.error({ err, to: bare }, 'offline storage failed');
      this.router.bounce(stanza, condition ?? 'internal-server-error');
    }
  }
}

function hasBody(stanza: Element): boolean {
  return stanza.getChildElements().some((c) => c.name === 'body' || c.name === 'subject' || c.attrs.xmlns === NS.delay);
}
