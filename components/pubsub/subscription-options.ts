// Subscription options (XEP-0060 §6.3): the pubsub#subscribe_options form with pubsub#deliver
// (whether notifications are sent at all); get and set, and options sent with a subscribe (§6.3.7).
import type { PubsubSubscription } from '../../shared/storage/types.js';
import { parseJid } from '../../shared/jid.js';
import { buildForm, parseBoolean, readForm } from './data-forms.js';
import { FORM_SUBSCRIBE_OPTIONS, NS_PUBSUB } from './namespaces.js';
import { isOwner, requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { forbidden, PubsubError } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** Applies a submitted options form to `sub`; bad-request/invalid-options when it does not fit. */
export function applySubscribeOptions(sub: PubsubSubscription, options: XmlElement): void {
  const form = readForm(options);
  if (!form) return;
  if (form.type !== 'submit' || (form.formType !== undefined && form.formType !== FORM_SUBSCRIBE_OPTIONS)) {
    throw new PubsubError('modify', 'bad-request', 'invalid-options'); // §6.3.6
  }
  for (const [name, values] of form.fields) {
    if (name !== 'pubsub#deliver') throw new PubsubError('modify', 'bad-request', 'invalid-options');
    const deliver = parseBoolean(values[0]);
    if (deliver === undefined) throw new PubsubError('modify', 'bad-request', 'invalid-options');
    sub.deliver = deliver;
  }
}

function optionsForm(sub: PubsubSubscription): XmlElement {
  return buildForm('form', FORM_SUBSCRIBE_OPTIONS, [
    { var: 'pubsub#deliver', type: 'boolean', label: 'Enable delivery?', values: [sub.deliver ? '1' : '0'] },
  ]);
}

/** The one subscription `<options node jid subid/>` designates, with the §6.3.4 errors. */
async function designated(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<{ node: string; sub: PubsubSubscription }> {
  const node = await requireNode(ctx, req, el); // §6.3.4 item-not-found
  const jid = el.attrs.jid ? parseJid(el.attrs.jid) : undefined;
  if (!jid) throw new PubsubError('modify', 'bad-request', 'jid-required');
  if (jid.bare !== req.from.bare && !(await isOwner(ctx, req, node))) throw forbidden(); // §6.3.4
  const subs = await ctx.store.listSubscriptions(req.service, node.node, { jid: jid.full });
  if (subs.length === 0) throw new PubsubError('cancel', 'unexpected-request', 'not-subscribed'); // §6.3.4
  const subid = el.attrs.subid;
  if (!subid && subs.length > 1) throw new PubsubError('modify', 'bad-request', 'subid-required');
  const sub = subid ? subs.find((s) => s.subid === subid) : subs[0];
  if (!sub) throw new PubsubError('modify', 'not-acceptable', 'invalid-subid');
  return { node: node.node, sub };
}

/** get <pubsub><options node='…' jid='…'/></pubsub> (§6.3.2) */
export async function handleOptionsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  const { node, sub } = await designated(ctx, req, el);
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('options', { node, jid: sub.jid, subid: sub.subid }, optionsForm(sub)));
}

/** set <pubsub><options node='…' jid='…'><x type='submit'/></options></pubsub> (§6.3.5) */
export async function handleOptionsSet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<undefined> {
  const { node, sub } = await designated(ctx, req, el);
  const next = { ...sub };
  applySubscribeOptions(next, el);
  await ctx.store.putSubscription(req.service, node, next);
  return undefined;
}

/** get <pubsub><default node='…'/></pubsub> (§6.4): the default subscription options. */
export async function handleDefaultOptionsGet(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<XmlElement> {
  if (el.attrs.node !== undefined) await requireNode(ctx, req, el);
  return xml('pubsub', { xmlns: NS_PUBSUB }, xml('default', { node: el.attrs.node }, optionsForm({ jid: '', subid: '', state: 'subscribed', deliver: true })));
}
