// Typed bindings for @xmpp/xml and stanza errors (RFC 6120 §8.3), as components/roster has them
// (components do not import each other; both copies can move to shared/xml/ together).
// @ts-ignore -- untyped package: the XmlElement interface below types the part used here.
import untypedXml from '@xmpp/xml';

export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: XmlNode[];
  parent: XmlElement | null;
  is(name: string, xmlns?: string): boolean;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string, xmlns?: string): XmlElement[];
  getChildText(name: string, xmlns?: string): string | null;
  getText(): string;
  append(...nodes: XmlNode[]): void;
  toString(): string;
}

export type XmlNode = XmlElement | string;
export type XmlChild = XmlNode | XmlChild[] | null | undefined | false;
export type XmlAttrs = Record<string, string | number | null | undefined>;

export const xml: (name: string, attrs?: XmlAttrs | null, ...children: XmlChild[]) => XmlElement = untypedXml;

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node === 'object' && node !== null;
}

export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter(isElement);
}

/** Deep copy, detached from any parent. */
export function cloneElement(el: XmlElement): XmlElement {
  return xml(el.name, { ...el.attrs }, el.children.map((c) => (isElement(c) ? cloneElement(c) : c)));
}

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';
export type StanzaErrorCondition =
  | 'bad-request'
  | 'conflict'
  | 'feature-not-implemented'
  | 'forbidden'
  | 'internal-server-error'
  | 'item-not-found'
  | 'jid-malformed'
  | 'not-acceptable'
  | 'not-allowed'
  | 'not-authorized'
  | 'policy-violation'
  | 'registration-required'
  | 'resource-constraint'
  | 'service-unavailable';

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
