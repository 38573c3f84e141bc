// Approving subscriptions under the authorize access model (XEP-0060 §8.6): each owner gets a
// pubsub#subscribe_authorization form in a message; an owner's submitted form (allow or deny)
// makes the pending subscription subscribed or removes it, and the subscriber is told.
import type { PubsubSubscription } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { buildForm, parseBoolean, readForm } from './data-forms.js';
import { FORM_SUBSCRIBE_AUTHORIZATION } from './namespaces.js';
import { subscriptionStateMessage } from './notifications.js';
import type { HandlerContext } from './pubsub-context.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

export function authorizationForm(node: string, sub: PubsubSubscription): XmlElement {
  return buildForm(
    'form',
    FORM_SUBSCRIBE_AUTHORIZATION,
    [
      { var: 'pubsub#subid', type: 'hidden', values: [sub.subid] },
      { var: 'pubsub#node', type: 'text-single', label: 'Node ID', values: [node] },
      { var: 'pubsub#subscriber_jid', type: 'jid-single', label: 'Subscriber Address', values: [sub.jid] },
      { var: 'pubsub#allow', type: 'boolean', label: 'Allow this JID to subscribe to this pubsub node?', values: ['0'] },
    ],
    'PubSub subscriber request',
  );
}

/** §8.6.1: the approval form to every owner of the node. */
export async function requestAuthorization(ctx: HandlerContext, service: string, node: string, sub: PubsubSubscription): Promise<void> {
  const affiliations = await ctx.store.listAffiliations(service, node);
  const owners = affiliations.filter((a) => a.affiliation === 'owner').map((a) => a.jid);
  await Promise.all(owners.map((owner) => ctx.send(xml('message', { from: service, to: owner, id: ctx.newId() }, authorizationForm(node, sub)))));
}

export function isAuthorizationAnswer(message: XmlElement): boolean {
  return readForm(message)?.formType === FORM_SUBSCRIBE_AUTHORIZATION;
}

/** §8.6.2: an owner's answer. Answers from non-owners, or about unknown subscriptions, are ignored. */
export async function handleAuthorizationAnswer(ctx: HandlerContext, message: XmlElement): Promise<void> {
  const form = readForm(message);
  if (!form || form.type !== 'submit') return;
  const node = form.fields.get('pubsub#node')?.[0];
  const subscriber = parseJid(form.fields.get('pubsub#subscriber_jid')?.[0] ?? '');
  const subid = form.fields.get('pubsub#subid')?.[0];
  const from = parseJid(message.attrs.from ?? '');
  const service = ctx.domain;
  if (!node || !subscriber || !from) return;
  if ((await ctx.store.getAffiliation(service, node, from.bare)) !== 'owner') return;
  const subs = await ctx.store.listSubscriptions(service, node, { jid: subscriber.full });
  const sub = subs.find((s) => s.state === 'pending' && (!subid || s.subid === subid));
  if (!sub) return;
  if (parseBoolean(form.fields.get('pubsub#allow')?.[0])) {
    await ctx.store.putSubscription(service, node, { ...sub, state: 'subscribed' });
    await ctx.send(subscriptionStateMessage(ctx, service, node, { jid: sub.jid, subid: sub.subid, state: 'subscribed' }));
  } else {
    await ctx.store.removeSubscription(service, node, sub.jid, sub.subid);
    await ctx.send(subscriptionStateMessage(ctx, service, node, { jid: sub.jid, state: 'none' }));
  }
}
