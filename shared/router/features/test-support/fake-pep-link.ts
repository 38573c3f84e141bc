// A stand-in for the PubSub component serving PEP, for the router's unit tests of the conversions
// (docs/pep.md §8): it answers delegated publish / retract / items IQs from an in-memory map and
// remembers every request, so a test sees what the router asked for on whose behalf.
import { Element } from 'ltx';
import { NS } from '../../../xml/namespaces.js';
import type { ComponentLink, SendOutcome } from '../../component-registry.js';
import type { Router } from '../../router.js';

export interface PepCall {
  /** The inner IQ's `from`: a full JID for a client's IQ, the bare JID for the router's own. */
  from: string;
  service: string;
  op: string;
  node: string;
  id?: string;
}

export class FakePepLink implements ComponentLink {
  readonly id = 'fake-pep';
  readonly domain = 'pubsub.localhost';
  readonly calls: PepCall[] = [];
  /** service → node → item id → payload */
  readonly items = new Map<string, Map<string, Map<string, Element>>>();

  constructor(private readonly router: Router) {}

  node(service: string, node: string): Map<string, Element> {
    const nodes = this.items.get(service) ?? new Map<string, Map<string, Element>>();
    this.items.set(service, nodes);
    const items = nodes.get(node) ?? new Map<string, Element>();
    nodes.set(node, items);
    return items;
  }

  send(stanza: Element): SendOutcome {
    const inner = stanza.getChild('delegation', NS.delegation)?.getChild('forwarded', NS.forward)?.getChildElements()[0];
    if (stanza.name !== 'iq' || !inner) return 'queued';
    const op = inner.getChild('pubsub', NS.pubsub)?.getChildElements()[0];
    const service = String(inner.attrs.to);
    const node = String(op?.attrs.node ?? '');
    const itemEl = op?.getChild('item');
    this.calls.push({ from: String(inner.attrs.from), service, op: op?.name ?? '', node, id: itemEl?.attrs.id });
    let result: Element | undefined;
    let error: string | undefined;
    if (op?.name === 'publish' && itemEl?.attrs.id) this.node(service, node).set(itemEl.attrs.id, itemEl.getChildElements()[0]!);
    else if (op?.name === 'retract' && itemEl?.attrs.id) this.node(service, node).delete(itemEl.attrs.id);
    else if (op?.name === 'items') {
      const stored = this.items.get(service)?.get(node);
      if (!stored) error = 'item-not-found';
      else {
        result = new Element('pubsub', { xmlns: NS.pubsub });
        const items = result.c('items', { node });
        for (const [id, payload] of stored) if (!itemEl || itemEl.attrs.id === id) items.c('item', { id }).cnode(payload);
      }
    }
    const reply = new Element('iq', { type: 'result', id: stanza.attrs.id, from: this.domain, to: 'localhost' });
    const answer = reply.c('delegation', { xmlns: NS.delegation }).c('forwarded', { xmlns: NS.forward })
      .c('iq', { xmlns: NS.client, type: error ? 'error' : 'result', id: inner.attrs.id, from: inner.attrs.to, to: inner.attrs.from });
    if (result) answer.cnode(result);
    if (error) answer.c('error', { type: 'cancel' }).c(error, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' });
    setImmediate(() => this.router.fromComponent(this, reply));
    return 'queued';
  }

  close(): void {}
}
