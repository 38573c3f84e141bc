// The copy of an archived message delivered to its recipient: the message with the XEP-0359
// <stanza-id/> appended. Its XML is the archived XML with the stanza-id before the end tag, so the
// serialisation the archive made serves the recipient's stream too (ltx's toString escapes every
// attribute and text again: about as costly as the rest of the archive's routing work).
import { Element } from 'ltx';

export class StampedCopy extends Element {
  /** Set by `sealed`; a clone (ltx `clone` calls the constructor with name and attrs) has none. */
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
   * `stamp` is the last child (the caller put it there); the copy's XML is `xml` from now on (the
   * archived XML with the stamp before the end tag), or serialised as usual when undefined.
   */
  sealed(stamp: Element, xml: string | undefined): void {
    if (xml === undefined) return;
    this.xml = xml;
    this.xmlAttrs = this.attrs;
    this.xmlLast = stamp;
    this.xmlChildren = this.children.length;
  }
}
