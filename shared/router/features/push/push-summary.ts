// What is worth a push notification (XEP-0357 leaves it to the server; these are the rules of
// Prosody's mod_cloud_notify, which mobile clients expect), and the notification itself: a
// XEP-0060 publish to the app server with the urn:xmpp:push:summary form (XEP-0357 §7).
import { Element } from 'ltx';
import { NS } from '../../../xml/namespaces.js';

export const PUSH = NS.push;
export const PUSH_SUMMARY = 'urn:xmpp:push:summary';
export const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
const CARBONS = 'urn:xmpp:carbons:2';
/** Payloads that mean "someone wants your attention" even without a readable body. */
const ATTENTION: ReadonlyArray<[name: string, xmlns: string]> = [
  ['encrypted', 'eu.siacs.conversations.axolotl'], // OMEMO (legacy)
  ['encrypted', 'urn:xmpp:omemo:2'], // OMEMO
  ['openpgp', 'urn:xmpp:openpgp:0'], // XEP-0373
  ['propose', 'urn:xmpp:jingle-message:0'], // XEP-0353 call
  ['x', 'jabber:x:conference'], // XEP-0249 MUC invitation
];
/** Longest last-message-body sent, in characters (a notification is not a transcript). */
export const MAX_BODY_CHARS = 256;

/** What one notification says (the urn:xmpp:push:summary fields). */
export interface PushSummary {
  /** Messages this notification stands for (since the previous one to the same registration). */
  count: number;
  sender?: string;
  body?: string;
}

/** The push-worthy message inside `stanza` (a carbon is unwrapped), or undefined. */
export function pushWorthyMessage(stanza: Element): Element | undefined {
  if (stanza.name !== 'message') return undefined;
  const type = stanza.attrs.type ?? 'normal';
  if (type === 'error' || type === 'headline') return undefined;
  // XEP-0280: a copy of a message the user received elsewhere counts; one they sent does not.
  if (stanza.getChild('sent', CARBONS)) return undefined;
  const received = stanza.getChild('received', CARBONS)?.getChild('forwarded', NS.forward)?.getChild('message');
  if (received) return pushWorthyMessage(received);
  const body = stanza.getChildText('body');
  if (body !== null && body.trim() !== '') return stanza;
  if (type === 'groupchat') return undefined; // a room's subject changes and the like
  if (ATTENTION.some(([name, xmlns]) => stanza.getChild(name, xmlns))) return stanza;
  const mucUser = stanza.getChild('x', 'http://jabber.org/protocol/muc#user');
  return mucUser?.getChild('invite') ? stanza : undefined;
}

/** Sender and (when wanted) body of a push-worthy message, for the summary. */
export function summaryOf(message: Element, withSender: boolean, withBody: boolean): Omit<PushSummary, 'count'> {
  const summary: Omit<PushSummary, 'count'> = {};
  if (withSender && message.attrs.from) summary.sender = message.attrs.from;
  const body = withBody ? message.getChildText('body') : null;
  if (body) summary.body = [...body].length > MAX_BODY_CHARS ? [...body].slice(0, MAX_BODY_CHARS - 1).join('') + '…' : body;
  return summary;
}

export interface NotificationTarget {
  /** The app server (XMPP Push Service). */
  jid: string;
  node: string;
  /** The publish-options form given at enable time, serialised. */
  publishOptions?: Element;
}

/** XEP-0357 §7: `<iq type='set'><pubsub><publish node><item><notification>` (+ publish-options). */
export function notificationIq(id: string, from: string, target: NotificationTarget, summary: PushSummary): Element {
  const iq = new Element('iq', { type: 'set', id, from, to: target.jid });
  const pubsub = iq.c('pubsub', { xmlns: NS.pubsub });
  const form = pubsub.c('publish', { node: target.node }).c('item').c('notification', { xmlns: PUSH }).c('x', { xmlns: NS.dataForms, type: 'submit' });
  field(form, 'FORM_TYPE', PUSH_SUMMARY);
  field(form, 'message-count', String(summary.count));
  if (summary.sender !== undefined) field(form, 'last-message-sender', summary.sender);
  if (summary.body !== undefined) field(form, 'last-message-body', summary.body);
  if (target.publishOptions) pubsub.c('publish-options').cnode(target.publishOptions);
  return iq;
}

function field(form: Element, name: string, value: string): void {
  form.c('field', { var: name }).c('value').t(value);
}

/**
 * The publish-options form of an <enable/> (XEP-0357 §5), as it will be sent: a submit form whose
 * FORM_TYPE is pubsub#publish-options. Undefined when there is none; throws on a form of another type.
 */
export function publishOptionsOf(enable: Element): Element | undefined {
  const form = enable.getChild('x', NS.dataForms);
  if (!form) return undefined;
  const formType = form.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value');
  if (formType !== PUBLISH_OPTIONS) throw new Error('the form is not pubsub#publish-options');
  const copy = new Element('x', { xmlns: NS.dataForms, type: 'submit' });
  for (const f of form.getChildren('field')) {
    if (!f.attrs.var) continue;
    const out = copy.c('field', { var: f.attrs.var });
    for (const v of f.getChildren('value')) out.c('value').t(v.getText());
  }
  return copy;
}
