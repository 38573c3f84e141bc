// Which instance of a component gets a stanza (docs/pubsub.md "Several instances"): rendezvous
// hashing on the bare `to` (component-registry.ts), refined in two ways —
// - IQs with a XEP-0060 payload to a component's domain are hashed on domain + node, so the nodes
//   of one pubsub service spread over its instances (each node on one live instance);
// - the answer to an IQ a component instance sent goes back to that instance (a caps query of
//   one PubSub instance must not be answered to another), remembered with a bound.
import type { Element } from 'ltx';
import type { Jid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { ComponentLink, ComponentRegistry } from './component-registry.js';

const MAX_REMEMBERED = 10_000;

/** The node a pubsub IQ is about: `node` of the first child of <pubsub/> (either namespace) or of a disco query. */
export function pubsubNodeOf(stanza: Element): string | undefined {
  if (stanza.name !== 'iq') return undefined;
  const payload = stanza.getChildElements()[0];
  if (!payload) return undefined;
  if (payload.name === 'pubsub' && (payload.attrs.xmlns === NS.pubsub || payload.attrs.xmlns === NS.pubsubOwner)) {
    const node = payload.getChildElements()[0]?.attrs.node;
    return typeof node === 'string' ? node : undefined;
  }
  if (payload.name === 'query' && (payload.attrs.xmlns === NS.discoInfo || payload.attrs.xmlns === NS.discoItems)) {
    return typeof payload.attrs.node === 'string' ? payload.attrs.node : undefined;
  }
  return undefined;
}

/** The rendezvous key of a stanza to a component. */
export function componentShardKey(stanza: Element, to: Jid): string {
  if (!to.local && !to.resource && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set')) {
    const node = pubsubNodeOf(stanza);
    if (node !== undefined) return `${to.bare}\0${node}`;
  }
  return to.bare;
}

export class ComponentLinkPicker {
  /** `from + \0 + id` of IQ requests components sent → the link that sent them. */
  private readonly askedBy = new Map<string, ComponentLink>();

  constructor(private readonly registry: ComponentRegistry) {}

  /** A component link sent a stanza: an IQ request's answer must come back to it. */
  noteFromComponent(link: ComponentLink, stanza: Element): void {
    if (stanza.name !== 'iq' || (stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set')) return;
    const key = `${stanza.attrs.from}\0${stanza.attrs.id}`;
    this.askedBy.delete(key);
    this.askedBy.set(key, link);
    if (this.askedBy.size > MAX_REMEMBERED) this.askedBy.delete(this.askedBy.keys().next().value!);
  }

  pick(stanza: Element, to: Jid): ComponentLink | undefined {
    if (stanza.name === 'iq' && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error')) {
      const key = `${stanza.attrs.to}\0${stanza.attrs.id}`;
      const asker = this.askedBy.get(key);
      if (asker) {
        this.askedBy.delete(key);
        if (asker.domain === to.domain && this.registry.allLinks().includes(asker)) return asker;
      }
    }
    return this.registry.pick(to.domain, componentShardKey(stanza, to));
  }
}
