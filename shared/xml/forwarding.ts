// The XEP-0297 envelopes of XEP-0355 (delegation) and XEP-0356 (privilege), as
// docs/roster-delegation.md describes them. Used by the router and by components.
import { Element } from 'ltx';
import { NS } from './namespaces.js';

/** A copy of `stanza` for a <forwarded/> wrapper: explicit jabber:client namespace. */
function forwardedCopy(stanza: Element, overrides: Record<string, string | undefined> = {}): Element {
  const attrs: Record<string, string> = { ...stanza.attrs, xmlns: NS.client };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete attrs[k];
    else attrs[k] = v;
  }
  const copy = new Element(stanza.name, attrs);
  for (const child of stanza.children) copy.cnode(child as Element);
  return copy;
}

/** `<{wrapperName} xmlns=ns><forwarded><stanza/></forwarded></…>` */
export function wrapForwarded(wrapperName: 'delegation' | 'privilege', stanza: Element, overrides?: Record<string, string | undefined>): Element {
  const wrapper = new Element(wrapperName, { xmlns: wrapperName === 'delegation' ? NS.delegation : NS.privilege });
  wrapper.c('forwarded', { xmlns: NS.forward }).cnode(forwardedCopy(stanza, overrides));
  return wrapper;
}

/** The stanza inside `<outer><{wrapperName}><forwarded>…`, without its jabber:client xmlns; undefined if absent. */
export function unwrapForwarded(outer: Element, wrapperName: 'delegation' | 'privilege'): Element | undefined {
  const ns = wrapperName === 'delegation' ? NS.delegation : NS.privilege;
  const inner = outer.getChild(wrapperName, ns)?.getChild('forwarded', NS.forward)?.getChildElements()[0];
  if (!inner || !['message', 'presence', 'iq'].includes(inner.name)) return undefined;
  if (inner.attrs.xmlns === NS.client || inner.attrs.xmlns === NS.componentAccept) delete inner.attrs.xmlns;
  inner.parent = null;
  return inner;
}

/** XEP-0297 `<forwarded><delay stamp/><stanza/></forwarded>` (MAM results, XEP-0313 §4.2). */
export function forwardedElement(stanza: Element, delayStamp?: string): Element {
  const forwarded = new Element('forwarded', { xmlns: NS.forward });
  if (delayStamp) forwarded.c('delay', { xmlns: NS.delay, stamp: delayStamp });
  forwarded.cnode(forwardedCopy(stanza));
  return forwarded;
}
