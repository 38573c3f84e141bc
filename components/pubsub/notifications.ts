// Event notifications (XEP-0060 §7.1.2 with and without payloads, §7.2.2 retract, §8.2.3
// configuration, §8.4.2 delete, §8.5.2 purge, §8.8.4/§8.6 subscription state). Subscribers are
// read from storage page by page and each page's messages are written before the next is read,
// so a node with many subscribers never holds them all in memory nor floods the link.
import { parse } from 'ltx';
import type { PubsubItem, PubsubNode, PubsubSubscription } from '../../shared/storage/types.js';
import { NS_PUBSUB_EVENT } from './namespaces.js';
import type { HandlerContext } from './pubsub-context.js';
import { xml, type XmlChild, type XmlElement } from './xmpp-bindings.js';

const SUBSCRIBERS_PER_PAGE = 500;
/** XEP-0033 extended stanza addressing; Pampero's router takes up to 5000 addresses a stanza. */
const NS_ADDRESS = 'http://jabber.org/protocol/address';
const ADDRESSES_PER_STANZA = 1000;

/** The stored payload as an element (it was serialised from a parsed, size-checked element). */
export function payloadElement(item: PubsubItem): XmlElement | null {
  return item.payload ? (parse(item.payload) as unknown as XmlElement) : null;
}

/** <item id='…'>payload</item> (payload omitted when `withPayload` is false). */
export function itemElement(item: PubsubItem, withPayload: boolean, payload = withPayload ? payloadElement(item) : null): XmlElement {
  return xml('item', { id: item.id, publisher: item.publisher }, withPayload ? payload : null);
}

/** <message from=service to=jid><event>…</event></message>; the payload is raw XML text already serialised. */
export function eventMessage(ctx: HandlerContext, service: string, to: string, ...event: XmlChild[]): XmlElement {
  // PEP events are headlines (XEP-0163 examples, as deployed servers send them): never stored offline.
  const type = service !== ctx.domain ? 'headline' : undefined;
  return xml('message', { from: service, to, type, id: ctx.newId() }, xml('event', { xmlns: NS_PUBSUB_EVENT }, ...event));
}

/** Calls `visit` with every subscribed, delivering subscription of the node, page by page. */
export async function forEachSubscriber(
  ctx: HandlerContext,
  service: string,
  node: string,
  visit: (sub: PubsubSubscription) => Promise<unknown> | void,
): Promise<void> {
  let after: string | undefined;
  const seen = new Set<string>(); // one notification per JID, whatever its number of subscriptions
  for (;;) {
    const page = await ctx.store.listSubscriptions(service, node, { after, limit: SUBSCRIBERS_PER_PAGE });
    if (page.length === 0) return;
    const writes: Array<Promise<unknown> | void> = [];
    for (const sub of page) {
      if (sub.state !== 'subscribed' || !sub.deliver || seen.has(sub.jid)) continue;
      seen.add(sub.jid);
      writes.push(visit(sub));
    }
    await Promise.allSettled(writes);
    after = page[page.length - 1]!.jid;
    seen.clear(); // subscriptions of one JID are adjacent (keyed by jid, then subid)
    if (page.length < SUBSCRIBERS_PER_PAGE) return;
  }
}

/**
 * Sends `event` children (built per subscriber) to every subscriber of the node and, on a PEP
 * service, to the resources implicitly subscribed by presence and caps (pep-service.ts), each
 * JID once: a resource whose bare JID holds an explicit subscription is not sent a second copy.
 */
export async function notifySubscribers(ctx: HandlerContext, service: string, node: PubsubNode, event: () => XmlChild[]): Promise<void> {
  if (!node.config.deliverNotifications) return;
  if (ctx.multicast && service === ctx.domain) return multicastToSubscribers(ctx, service, node, event);
  const pep = service !== ctx.domain ? ctx.pepRecipients : undefined;
  const explicit = new Set<string>();
  await forEachSubscriber(ctx, service, node.node, (sub) => {
    if (pep) explicit.add(sub.jid.split('/')[0]!);
    return ctx.send(eventMessage(ctx, service, sub.jid, ...event()));
  });
  if (!pep) return;
  const implicit = (await pep(ctx, service, node)).filter((jid) => !explicit.has(jid.split('/')[0]!));
  await Promise.allSettled(implicit.map((jid) => ctx.send(eventMessage(ctx, service, jid, ...event()))));
}

/**
 * The same, through the server's XEP-0033 multicast: one message per page of subscribers, with
 * their addresses as blind copies, so a node of 1,000 subscribers crosses the component link in
 * two stanzas instead of 1,000 and the router serialises the event once (multicast-copy.ts).
 */
async function multicastToSubscribers(ctx: HandlerContext, service: string, node: PubsubNode, event: () => XmlChild[]): Promise<void> {
  let page: string[] = [];
  const flush = () => {
    if (page.length === 0) return;
    const message = eventMessage(ctx, service, ctx.serverDomain, ...event());
    message.append(xml('addresses', { xmlns: NS_ADDRESS }, page.map((jid) => xml('address', { type: 'bcc', jid }))));
    page = [];
    return ctx.send(message);
  };
  await forEachSubscriber(ctx, service, node.node, (sub) => {
    page.push(sub.jid);
    return page.length >= ADDRESSES_PER_STANZA ? flush() : undefined;
  });
  await flush();
}

/** §7.1.2: a published item, with its payload when pubsub#deliver_payloads is set. */
export function notifyPublished(ctx: HandlerContext, service: string, node: PubsubNode, item: PubsubItem): Promise<void> {
  const payload = node.config.deliverPayloads ? payloadElement(item) : null; // parsed once, shared by every message
  return notifySubscribers(ctx, service, node, () => [xml('items', { node: node.node }, itemElement(item, node.config.deliverPayloads, payload))]);
}

/** §7.2.2 (and items dropped by an owner lowering max_items): <retract id/> when pubsub#notify_retract is set. */
export function notifyRetracted(ctx: HandlerContext, service: string, node: PubsubNode, ids: string[]): Promise<void> {
  if (!node.config.notifyRetract || ids.length === 0) return Promise.resolve();
  return notifySubscribers(ctx, service, node, () => [xml('items', { node: node.node }, ids.map((id) => xml('retract', { id })))]);
}

/** §6.1.7: the last published item, sent to a new subscriber. */
export function lastItemMessage(ctx: HandlerContext, service: string, node: PubsubNode, to: string, item: PubsubItem): XmlElement {
  return eventMessage(ctx, service, to, xml('items', { node: node.node }, itemElement(item, node.config.deliverPayloads)));
}

/** §8.8.4 / §8.6: tells an entity its subscription state changed. */
export function subscriptionStateMessage(ctx: HandlerContext, service: string, node: string, sub: { jid: string; subid?: string; state: string }): XmlElement {
  return eventMessage(ctx, service, sub.jid, xml('subscription', { node, jid: sub.jid, subid: sub.subid, subscription: sub.state }));
}
