// Typed bindings for @xmpp/xml (v0.14, ltx elements), which ships no type declarations.
// Shared by the components, which build and read stanzas with @xmpp/xml.
// @ts-ignore -- untyped package: the XmlElement interface below types the part Pampero uses.
import untypedXml from '@xmpp/xml';

/** The subset of ltx's Element that Pampero relies on. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: XmlNode[];
  parent: XmlElement | null;
  is(name: string, xmlns?: string): boolean;
  getName(): string;
  getNS(): string | undefined;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string, xmlns?: string): XmlElement[];
  getChildText(name: string, xmlns?: string): string | null;
  getText(): string;
  append(...nodes: XmlNode[]): void;
  toString(): string;
}

export type XmlNode = XmlElement | string;
/** What xml() accepts as children: nested arrays are flattened, null/undefined/false skipped. */
export type XmlChild = XmlNode | XmlChild[] | null | undefined | false;
export type XmlAttrs = Record<string, string | number | null | undefined>;

/** Builds an element: xml('presence', { to }, xml('status', {}, 'Hi')). Null/undefined attrs are dropped. */
export const xml: (name: string, attrs?: XmlAttrs | null, ...children: XmlChild[]) => XmlElement = untypedXml;

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node === 'object' && node !== null;
}

/** Direct child elements (text nodes skipped). */
export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter(isElement);
}

/** Deep copy, detached from any parent. */
export function cloneElement(el: XmlElement): XmlElement {
  return xml(
    el.name,
    { ...el.attrs },
    el.children.map((child) => (isElement(child) ? cloneElement(child) : child)),
  );
}

/** The element's own xmlns attribute (no inheritance): what a forwarded stanza must carry. */
export function ownNamespace(el: XmlElement): string | undefined {
  return el.attrs.xmlns;
}
