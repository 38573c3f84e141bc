// XEP-0352 Client State Indication: a client that says <inactive/> (an app in the background)
// is spared the traffic it does not need at once. While it is inactive, presence updates wait
// (only the latest per sender, bounded) and bare chat states (XEP-0085) are dropped; anything
// else — a message with a body, an IQ, a subscription request — first sends what waits, then
// goes at once. <active/> sends what waits.
import type { Element } from 'ltx';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';
import { NS } from '../shared/xml/namespaces.js';

const NS_CARBONS = 'urn:xmpp:carbons:2';

export const csiStanzas = new Counter({
  name: 'pampero_csi_stanzas_total',
  help: 'Stanzas for inactive clients (XEP-0352), by what happened: held, dropped, flushed',
  labelNames: ['action'] as const,
  registers: [metricsRegistry],
});

type Importance = 'presence-update' | 'chat-state' | 'urgent';

export class ClientStateIndication {
  private inactive = false;
  /** Held presence by sender, in the order of their latest update; created on the first one. */
  private held: Map<string, Element> | undefined;

  constructor(private readonly maxHeld: number, private readonly send: (stanza: Element) => void) {}

  get isInactive(): boolean {
    return this.inactive;
  }

  /** <active/> or <inactive/> (XEP-0352 §4, §5). */
  onElement(el: Element): boolean {
    if (el.attrs.xmlns !== NS.csi || (el.name !== 'active' && el.name !== 'inactive')) return false;
    this.inactive = el.name === 'inactive';
    if (!this.inactive) this.flush();
    return true;
  }

  /** True when the stanza waits or is dropped; false when it must be sent now. */
  holds(stanza: Element): boolean {
    if (!this.inactive) return false;
    switch (importance(stanza)) {
      case 'presence-update': {
        const from = stanza.attrs.from ?? '';
        this.held ??= new Map();
        this.held.delete(from); // the newest update replaces the older one, and moves to the end
        this.held.set(from, stanza);
        csiStanzas.inc({ action: 'held' });
        if (this.held.size > this.maxHeld) this.flush();
        return true;
      }
      case 'chat-state':
        csiStanzas.inc({ action: 'dropped' });
        return true;
      case 'urgent':
        this.flush();
        return false;
    }
  }

  /** Sends what waits, oldest update first. */
  flush(): void {
    if (!this.held || this.held.size === 0) return;
    const waiting = [...this.held.values()];
    this.held.clear();
    csiStanzas.inc({ action: 'flushed' }, waiting.length);
    for (const stanza of waiting) this.send(stanza);
  }

  /** The session ended: what waits is presence, so it is forgotten. */
  clear(): void {
    this.held = undefined;
  }
}

function importance(stanza: Element): Importance {
  if (stanza.name === 'presence') {
    const type = stanza.attrs.type;
    return type === undefined || type === 'unavailable' ? 'presence-update' : 'urgent';
  }
  if (stanza.name === 'message') return isChatStateOnly(carbonPayload(stanza) ?? stanza) ? 'chat-state' : 'urgent';
  return 'urgent';
}

/** The forwarded message of a XEP-0280 carbon copy, if this is one. */
function carbonPayload(message: Element): Element | undefined {
  const carbon = message.getChild('sent', NS_CARBONS) ?? message.getChild('received', NS_CARBONS);
  return carbon?.getChild('forwarded', NS.forward)?.getChild('message');
}

/** XEP-0085: a standalone notification, no body or subject. */
function isChatStateOnly(message: Element): boolean {
  if (message.getChild('body') || message.getChild('subject')) return false;
  return message.getChildElements().some((c) => c.attrs.xmlns === NS.chatStates);
}
