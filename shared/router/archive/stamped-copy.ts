// The copy of an archived message delivered to its recipient: the message with the XEP-0359
// <stanza-id/> appended. Its XML is the archived XML with the stanza-id before the end tag, so the
// serialisation the archive made serves the recipient's stream too (ltx's toString escapes every
// attribute and text again: about as costly as the rest of the archive's routing work).
import { Element } from 'ltx';

const MESSAGE_END = '</message>';

export class StampedCopy extends Element {
  /** Set by `stampedCopy`; a clone (ltx `clone` calls the constructor with name and attrs) has none. */
  private xml: string | undefined;
  private xmlAttrs: Record<string, string> | undefined;
  private xmlLast: Element | string | undefined;
  private xmlChildren = 0;

  override toString(): string {
    // Changed since (a child added or removed, attributes replaced): serialised again.
    const unchanged = this.xml !== undefined && this.attrs === this.xmlAttrs && this.children.length === this.xmlChildren && this.children[this.xmlChildren - 1] === this.xmlLast;
    return unchanged ? this.xml! : super.toString();
  }

  /**
   * The copy's XML is `xml` (its serialisation before `stamp` was appended) with `stamp` before the
   * end tag; `stampXml` is the stamp serialised, when the caller has it already.
   */
  seal(xml: string, stamp: Element, stampXml?: string): void {
    this.children.push(stamp);
    const end = this.name === 'message' ? MESSAGE_END : `</${this.name}>`;
    if (!xml.endsWith(end)) return; // <message/> without children (never archived): serialised as usual
    this.xml = xml.slice(0, xml.length - end.length) + (stampXml ?? stamp.toString()) + end;
    this.xmlAttrs = this.attrs;
    this.xmlLast = stamp;
    this.xmlChildren = this.children.length;
  }
}
