// Stanza errors and replies for the MUC service (RFC 6120 §8.3), over the components' shared
// typed @xmpp/xml bindings.
export { childElements, cloneElement, isElement, xml, type XmlAttrs, type XmlChild, type XmlElement, type XmlNode } from '../../shared/component/xmpp-bindings.js';
import { childElements, cloneElement, xml, type XmlChild, type XmlElement } from '../../shared/component/xmpp-bindings.js';

// RFC 6120 §8.3.3 conditions and types: the full lists, defined once in shared/xml/errors.ts.
import type { StanzaErrorCondition, StanzaErrorType } from '../../shared/xml/errors.js';
export type { StanzaErrorCondition, StanzaErrorType } from '../../shared/xml/errors.js';

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';


export interface StanzaErrorSpec {
  type: StanzaErrorType;
  condition: StanzaErrorCondition;
  text?: string;
}

/** A handler refuses a stanza by throwing this; the error boundary answers with it. */
export class StanzaError extends Error {
  constructor(readonly spec: StanzaErrorSpec) {
    super(spec.text ?? spec.condition);
    this.name = 'StanzaError';
  }
}

export function refuse(type: StanzaErrorType, condition: StanzaErrorCondition, text?: string): never {
  throw new StanzaError({ type, condition, text });
}

export function errorElement({ type, condition, text }: StanzaErrorSpec): XmlElement {
  return xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }), text ? xml('text', { xmlns: NS_STANZAS }, text) : null);
}

export function iqResult(request: XmlElement, ...payload: XmlChild[]): XmlElement {
  const { id, from, to } = request.attrs;
  return xml('iq', { type: 'result', id, from: to, to: from }, ...payload);
}

/** RFC 6120 §8.3.1: same name and id, from/to swapped, the original payload kept for MUC clients. */
export function errorReply(request: XmlElement, spec: StanzaErrorSpec): XmlElement {
  const { id, from, to } = request.attrs;
  const keep = request.name === 'iq' ? [] : childElements(request).filter((c) => c.name !== 'error').map(cloneElement);
  return xml(request.name, { type: 'error', id, from: to, to: from }, keep, errorElement(spec));
}

/** RFC 6120 §8.3.1: never answer an error (or an IQ result) with an error. */
export function mayAnswerWithError(stanza: XmlElement): boolean {
  const type = stanza.attrs.type;
  if (type === 'error') return false;
  if (stanza.name === 'iq') return type === 'get' || type === 'set';
  return true;
}
