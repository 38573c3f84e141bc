// Replies and stanza errors (RFC 6120 §8.3). Generic: usable by any component.
import { xml, type XmlChild, type XmlElement } from '../../shared/component/xmpp-bindings.js';
import type { StanzaErrorCondition, StanzaErrorType } from '../../shared/xml/errors.js';
export type { StanzaErrorCondition, StanzaErrorType } from '../../shared/xml/errors.js';

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';


export interface StanzaErrorSpec {
  type: StanzaErrorType;
  condition: StanzaErrorCondition;
  text?: string;
}

/** <error type='…'><condition xmlns='…stanzas'/><text/></error> (RFC 6120 §8.3.2). */
export function errorElement({ type, condition, text }: StanzaErrorSpec): XmlElement {
  return xml(
    'error',
    { type },
    xml(condition, { xmlns: NS_STANZAS }),
    text ? xml('text', { xmlns: NS_STANZAS }, text) : null,
  );
}

/** A result IQ answering `request` (from/to swapped, same id). */
export function iqResult(request: XmlElement, ...payload: XmlChild[]): XmlElement {
  const { id, from, to } = request.attrs;
  return xml('iq', { type: 'result', id, from: to, to: from }, ...payload);
}

/** An error reply to any stanza (RFC 6120 §8.3.1: same name and id, from/to swapped, type 'error'). */
export function errorReply(request: XmlElement, spec: StanzaErrorSpec): XmlElement {
  const { id, from, to } = request.attrs;
  return xml(request.name, { type: 'error', id, from: to, to: from }, errorElement(spec));
}

/** RFC 6120 §8.3.1: an entity never answers an error stanza with another error. */
export function mayAnswerWithError(stanza: XmlElement): boolean {
  const type = stanza.attrs.type;
  if (type === 'error') return false;
  if (stanza.name === 'iq') return type === 'get' || type === 'set';
  return true;
}
