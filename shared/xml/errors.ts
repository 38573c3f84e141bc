// Stream and stanza errors (RFC 6120 §4.9 and §8.3), built one way everywhere.
import { Element, clone } from 'ltx';
import { NS } from './namespaces.js';

export type StreamErrorCondition =
  | 'bad-format' | 'bad-namespace-prefix' | 'conflict' | 'connection-timeout' | 'host-gone'
  | 'host-unknown' | 'improper-addressing' | 'internal-server-error' | 'invalid-from'
  | 'invalid-namespace' | 'invalid-xml' | 'not-authorized' | 'not-well-formed' | 'policy-violation'
  | 'remote-connection-failed' | 'reset' | 'resource-constraint' | 'restricted-xml' | 'see-other-host'
  | 'system-shutdown' | 'undefined-condition' | 'unsupported-encoding' | 'unsupported-feature'
  | 'unsupported-stanza-type' | 'unsupported-version';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

export type StanzaErrorCondition =
  | 'bad-request' | 'conflict' | 'feature-not-implemented' | 'forbidden' | 'gone'
  | 'internal-server-error' | 'item-not-found' | 'jid-malformed' | 'not-acceptable' | 'not-allowed'
  | 'not-authorized' | 'policy-violation' | 'recipient-unavailable' | 'redirect'
  | 'registration-required' | 'remote-server-not-found' | 'remote-server-timeout'
  | 'resource-constraint' | 'service-unavailable' | 'subscription-required'
  | 'undefined-condition' | 'unexpected-request';

/** The error type RFC 6120 §8.3.3 suggests for each condition. */
export const DEFAULT_ERROR_TYPE: Record<StanzaErrorCondition, StanzaErrorType> = {
  'bad-request': 'modify', conflict: 'cancel', 'feature-not-implemented': 'cancel', forbidden: 'auth',
  gone: 'cancel', 'internal-server-error': 'cancel', 'item-not-found': 'cancel', 'jid-malformed': 'modify',
  'not-acceptable': 'modify', 'not-allowed': 'cancel', 'not-authorized': 'auth', 'policy-violation': 'modify',
  'recipient-unavailable': 'wait', redirect: 'modify', 'registration-required': 'auth',
  'remote-server-not-found': 'cancel', 'remote-server-timeout': 'wait', 'resource-constraint': 'wait',
  'service-unavailable': 'cancel', 'subscription-required': 'auth', 'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
};

/**
 * `<stream:error>` (RFC 6120 §4.9.2), with an application-specific condition if given (§4.9.4); the
 * caller closes the stream after it. For `see-other-host`, `text` is the other host (host:port),
 * which §4.9.3.19 puts inside the condition element.
 */
export function streamErrorXml(condition: StreamErrorCondition, text?: string, appCondition?: Element): string {
  const el = new Element('stream:error');
  const conditionEl = el.c(condition, { xmlns: NS.streams });
  if (condition === 'see-other-host' && text) conditionEl.t(text);
  else if (text) el.c('text', { xmlns: NS.streams }).t(text);
  if (appCondition) el.cnode(appCondition);
  return el.toString();
}

/** The `<error/>` child of a stanza error. */
export function errorElement(condition: StanzaErrorCondition, type = DEFAULT_ERROR_TYPE[condition], text?: string, by?: string): Element {
  const el = new Element('error', by ? { type, by } : { type });
  el.c(condition, { xmlns: NS.stanzas });
  if (text) el.c('text', { xmlns: NS.stanzas }).t(text);
  return el;
}

/**
 * The error reply to `stanza` (RFC 6120 §8.3.1): addresses swapped, type 'error', the original
 * payload kept for messages and presence so the sender can tell which one failed.
 */
export function stanzaErrorReply(stanza: Element, condition: StanzaErrorCondition, text?: string, type?: StanzaErrorType): Element {
  const attrs: Record<string, string> = { type: 'error' };
  if (stanza.attrs.from) attrs.to = stanza.attrs.from;
  if (stanza.attrs.to) attrs.from = stanza.attrs.to;
  if (stanza.attrs.id) attrs.id = stanza.attrs.id;
  const reply = new Element(stanza.name, attrs);
  if (stanza.name !== 'iq') for (const child of stanza.children) if (typeof child !== 'string' && child.name !== 'error') reply.cnode(clone(child));
  reply.cnode(errorElement(condition, type ?? DEFAULT_ERROR_TYPE[condition], text));
  return reply;
}

/** A stanza of type 'error' must never be answered with another error (RFC 6120 §8.3.1). */
export function mayAnswerWithError(stanza: Element): boolean {
  return stanza.attrs.type !== 'error';
}
