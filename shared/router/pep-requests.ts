// IQs the router itself sends to a user's PEP service (docs/pep.md §8): the conversions of
// XEP-0398 (avatars) and XEP-0402/XEP-0411 (bookmarks) publish and read PEP items on the user's
// behalf. They travel like a client's PEP IQ (XEP-0355 delegation envelope, inner `from` = the
// owner's bare JID, so the component treats them as the owner's), but their answers come back
// here, not to a session — and the router never converts what it published itself, which is
// what keeps the two conversions from feeding each other.
import { Element } from 'ltx';
import { unwrapForwarded, wrapForwarded } from '../xml/forwarding.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';

/** A PEP request that did not succeed: the error's condition, or why there was no answer. */
export class PepRequestError extends Error {
  constructor(readonly condition: string) {
    super(`PEP request failed: ${condition}`);
  }
}

interface Pending {
  resolve(answer: Element): void;
  reject(err: PepRequestError): void;
  timer: NodeJS.Timeout;
}

export class PepRequests {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor(
    private readonly router: Router,
    private readonly pepDomain: string,
    private readonly timeoutMs: number,
    private readonly maxPending: number,
  ) {}

  /**
   * Sends `<iq type=… from=owner to=owner>payload</iq>` to the owner's PEP instance; resolves with
   * the inner result IQ, rejects with a PepRequestError (error answer, timeout, no instance, busy).
   */
  send(owner: string, type: 'get' | 'set', payload: Element): Promise<Element> {
    const link = this.router.components.pick(this.pepDomain, owner);
    if (!link) return Promise.reject(new PepRequestError('service-unavailable'));
    if (this.pending.size >= this.maxPending) return Promise.reject(new PepRequestError('resource-constraint'));
    const id = `${this.router.idPrefix}pepx${++this.nextId}`;
    const inner = new Element('iq', { type, id, from: owner, to: owner });
    inner.cnode(payload);
    const outer = new Element('iq', { type: 'set', id, from: this.router.domain, to: this.pepDomain });
    outer.cnode(wrapForwarded('delegation', inner));
    return new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id)?.reject(new PepRequestError('remote-server-timeout')), this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      if (link.send(outer) !== 'queued') this.settle(id)?.reject(new PepRequestError('resource-constraint'));
    });
  }

  /** An IQ from the PEP component: taken when it answers one of ours. */
  answers(stanza: Element): boolean {
    if (stanza.name !== 'iq' || !this.pending.has(stanza.attrs.id)) return false;
    const entry = this.settle(stanza.attrs.id)!;
    const inner = stanza.attrs.type === 'result' ? unwrapForwarded(stanza, 'delegation') : undefined;
    if (inner?.attrs.type === 'result') entry.resolve(inner);
    else {
      const condition = inner?.getChild('error')?.getChildElements()[0]?.name ?? stanza.getChild('error')?.getChildElements()[0]?.name;
      entry.reject(new PepRequestError(condition ?? 'internal-server-error'));
    }
    return true;
  }

  private settle(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}

/** `<pubsub><publish node=…><item id=…>payload</item></publish></pubsub>` */
export function publishRequest(node: string, id: string, payload: Element, options?: Record<string, string>): Element {
  const pubsub = new Element('pubsub', { xmlns: NS.pubsub });
  pubsub.c('publish', { node }).c('item', { id }).cnode(payload);
  if (options) {
    const form = pubsub.c('publish-options').c('x', { xmlns: 'jabber:x:data', type: 'submit' });
    form.c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t('http://jabber.org/protocol/pubsub#publish-options');
    for (const [name, value] of Object.entries(options)) form.c('field', { var: name }).c('value').t(value);
  }
  return pubsub;
}

/** `<pubsub><items node=…>[<item id=…/>]</items></pubsub>` */
export function itemsRequest(node: string, id?: string): Element {
  const pubsub = new Element('pubsub', { xmlns: NS.pubsub });
  const items = pubsub.c('items', { node });
  if (id) items.c('item', { id });
  return pubsub;
}
