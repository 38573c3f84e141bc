// A copy of a multicast stanza (multicast-delivery.ts) that shares its children and its other
// attributes with every other copy, and is serialised from bytes made once for all of them: a
// room message to 500 occupants is written 500 times with 500 different `to`s and one and the same
// rest, so only `to` is escaped and spliced in per copy.
// Copies stay ordinary ltx Elements for every reader on the delivery path (CSI, push, errors);
// one whose children or attributes were changed after all serialises itself in full, as any
// Element would, and so does a clone of one (ltx's `clone` builds `new constructor(name, attrs)`
// and adds copies of the children: XEP-0198's late copies are made that way).
import { Element, escapeXML, escapeXMLText } from 'ltx';

/** What all copies of one multicast stanza share, serialised on first use. */
export class SharedPayload {
  private before: string | undefined;
  private after: string | undefined;
  /** How many attributes a copy has (`to` included) while it is unchanged. */
  readonly attrCount: number;

  /** `attrs` are the multicast stanza's, `to` included (its value is replaced in each copy, keeping its place). */
  constructor(
    readonly name: string,
    readonly attrs: Readonly<Record<string, string>>,
    readonly children: Array<Element | string>,
  ) {
    this.attrCount = Object.keys(attrs).length;
  }

  /** The copy's XML: what comes before the value of `to`, and what comes after it. */
  serialized(): { before: string; after: string } {
    if (this.before === undefined || this.after === undefined) {
      let before = '<' + this.name;
      let after = '';
      let seenTo = false;
      for (const key in this.attrs) {
        if (key === 'to') {
          before += ' to="';
          seenTo = true;
          continue;
        }
        const value: unknown = this.attrs[key];
        if (value == null) continue;
        const attr = ' ' + key + '="' + escapeXML(String(value)) + '"';
        if (seenTo) after += attr;
        else before += attr;
      }
      if (!seenTo) before += ' to="'; // not reached: deliverMulticast always sets it
      after = '"' + after;
      if (this.children.length === 0) after += '/>';
      else {
        after += '>';
        for (const child of this.children as unknown[]) {
          // As ltx writes children: null and undefined skipped, elements (of any copy of ltx) as XML, the rest as text.
          if (child == null) continue;
          if (typeof child === 'string') after += escapeXMLText(child);
          else if (typeof (child as Element).write === 'function') after += (child as Element).toString();
          else after += escapeXMLText(String(child));
        }
        after += '</' + this.name + '>';
      }
      this.before = before;
      this.after = after;
    }
    return { before: this.before, after: this.after };
  }
}

export class MulticastCopy extends Element {
  private readonly payload: SharedPayload | undefined;

  /** The copy of `payload` for `to` (a full JID). */
  static of(payload: SharedPayload, to: string): MulticastCopy {
    const copy = new MulticastCopy(payload.name, payload.attrs, payload);
    copy.attrs.to = to; // in the place `to` has in the shared attributes
    return copy;
  }

  /** Without a payload, a plain Element: what ltx's `clone` makes of a copy. */
  constructor(name: string, attrs: Record<string, string>, payload?: SharedPayload) {
    super(name, attrs);
    this.payload = payload;
    if (payload) this.children = payload.children as Element['children'];
  }

  override toString(): string {
    if (!this.shares()) {
      let s = '';
      super.write((part) => { s += part; });
      return s;
    }
    const { before, after } = this.payload!.serialized();
    return before + escapeXML(this.attrs.to as string) + after;
  }

  // A parent that writes this copy (e.g. a forwarded wrapper) gets the same shortcut.
  override write(writer: (part: string) => void): void {
    if (this.shares()) writer(this.toString());
    else super.write(writer);
  }

  /** Still the shared children and the shared attributes but `to` (a string): nobody changed this copy. */
  private shares(): boolean {
    const payload = this.payload;
    if (!payload || (this.children as unknown) !== payload.children) return false;
    const attrs = this.attrs as Record<string, unknown>;
    if (typeof attrs.to !== 'string') return false;
    let count = 0;
    for (const key in attrs) {
      if (key !== 'to' && attrs[key] !== payload.attrs[key]) return false;
      count++;
    }
    return count === payload.attrCount;
  }
}
