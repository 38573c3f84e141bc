// A copy of a multicast stanza (multicast-delivery.ts) that shares its children with every other
// copy, and serialises them once for all of them: a room message to 500 occupants is written 500
// times with 500 different `to`s and one and the same payload, so only the start tag is per copy.
// Copies stay ordinary ltx Elements for every reader on the delivery path (CSI, push, errors);
// one whose children were changed after all serialises itself in full, as any Element would.
import { Element, escapeXML, escapeXMLText } from 'ltx';

/** The children all copies of one multicast stanza share, serialised on first use. */
export class SharedPayload {
  private xml: string | undefined;

  constructor(readonly children: Array<Element | string>) {}

  serialized(): string {
    if (this.xml === undefined) {
      let s = '';
      for (const child of this.children) s += typeof child === 'string' ? escapeXMLText(child) : child.toString();
      this.xml = s;
    }
    return this.xml;
  }
}

export class MulticastCopy extends Element {
  constructor(name: string, attrs: Record<string, string>, private readonly payload: SharedPayload) {
    super(name, attrs);
    this.children = payload.children as Element['children'];
  }

  override toString(): string {
    if (!this.shares()) {
      let s = '';
      super.write((part) => { s += part; });
      return s;
    }
    let start = '<' + this.name;
    for (const key in this.attrs) {
      const value: unknown = this.attrs[key];
      if (value != null) start += ' ' + key + '="' + escapeXML(String(value)) + '"';
    }
    return start + '>' + this.payload.serialized() + '</' + this.name + '>';
  }

  // A parent that writes this copy (e.g. a forwarded wrapper) gets the same shortcut.
  override write(writer: (part: string) => void): void {
    if (this.shares()) writer(this.toString());
    else super.write(writer);
  }

  private shares(): boolean {
    return (this.children as unknown) === this.payload.children && this.payload.children.length > 0;
  }
}
