// XML text that is already serialised, as an ltx child: written out verbatim, never parsed. The
// router's roster result cache answers a get with the roster's text this way (roster-result-cache.ts):
// parsing 20 items into a tree only to serialise them again was a third of a cached get's CPU.
//
// It is an Element (named `#raw`, the text in an attribute) so that everything on the delivery
// path that copies stanzas keeps it: ltx's `clone` builds `new constructor(name, attrs)`, which
// copies the text. It has no children: code that looks inside a stanza sees none in it, so use it
// only for payloads nobody on the way to the client reads (a result to a client's get).
import { Element } from 'ltx';

export class RawXml extends Element {
  /** `xml` must be well-formed and correctly escaped: it is written as it is. */
  static of(xml: string): RawXml {
    return new RawXml('#raw', { xml });
  }

  override write(writer: (part: string) => void): void {
    writer(this.attrs.xml as string);
  }

  override toString(): string {
    return this.attrs.xml as string;
  }
}
