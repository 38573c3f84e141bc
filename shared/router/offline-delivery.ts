// Offline messages (XEP-0160): stored with a XEP-0203 delay stamp while the user has no
// available resource, delivered on their next initial presence, and removed only once handed
// to the session.
import { Element } from 'ltx';
import type { OfflineStore } from '../storage/types.js';
import { NS } from '../xml/namespaces.js';
import { XmppStreamParser } from '../xml/stream-parser.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';
import { offlineStored } from './router-metrics.js';

/** Offline messages delivered per batch, so a huge backlog does not monopolise the loop. */
const BATCH = 100;

export class OfflineDelivery {
  /** The flush running per owner: flushes of one owner run one after another, so none is delivered twice. */
  private readonly flushing = new Map<string, Promise<void>>();

  constructor(private readonly router: Router, private readonly messages: OfflineStore, private readonly quota: number) {}

  /** Resolves false when the quota is reached (XEP-0160 §3: the sender gets an error). */
  async store(owner: string, stanza: Element): Promise<boolean> {
    const copy = new Element(stanza.name, { ...stanza.attrs });
    for (const child of stanza.children) copy.cnode(child as Element);
    // A message the server already stamped (e.g. rerouted after a XEP-0198 session ended) keeps its first stamp.
    const stamped = stanza.getChildren('delay', NS.delay).some((d) => d.attrs.from === this.router.domain);
    if (!stamped) copy.c('delay', { xmlns: NS.delay, from: this.router.domain, stamp: new Date().toISOString() }).t('Offline storage');
    const stored = await this.messages.push(owner, copy.toString(), this.quota);
    if (stored) {
      offlineStored.inc();
      // A resource of this node that became available while the message was being stored has
      // flushed already: it gets it now rather than at its next login.
      for (const session of this.router.local.topResources(owner, (s) => !s.remote)) void this.flushTo(session);
    }
    return stored;
  }

  /** Sends the stored messages to a resource that just became available with priority ≥ 0. */
  flushTo(session: RoutedSession): Promise<void> {
    const owner = session.jid.bare;
    const previous = this.flushing.get(owner);
    const run = (previous ?? Promise.resolve()).then(() => this.flushNow(session));
    this.flushing.set(owner, run);
    void run.finally(() => this.flushing.get(owner) === run && this.flushing.delete(owner));
    return run;
  }

  private async flushNow(session: RoutedSession): Promise<void> {
    const owner = session.jid.bare;
    try {
      for (;;) {
        const batch = await this.messages.list(owner, BATCH);
        if (batch.length === 0) return;
        if (this.router.sessions.get(session.jid.full) !== session || !session.presence.available) return;
        for (const message of batch) {
          const stanza = parseStored(message.xml);
          if (stanza) session.deliver(stanza);
        }
        await this.messages.remove(owner, batch.map((m) => m.id));
        if (batch.length < BATCH) return;
      }
    } catch (err) {
      this.router.log.error({ err, owner }, 'offline delivery failed');
    }
  }
}

/** Re-parses a stored stanza with the same strict parser the gateway uses. */
function parseStored(xml: string): Element | undefined {
  let result: Element | undefined;
  const parser = new XmppStreamParser({ maxStanzaBytes: Infinity, maxDepth: 64, maxAttributes: 256 }, {
    onStreamStart: () => {},
    onElement: (el) => { result = el; },
    onStreamEnd: () => {},
    onError: () => {},
  });
  parser.write(`<stream>${xml}`);
  return result;
}
