// XEP-0355 (namespace delegation) and XEP-0356 (privileged entity) envelopes, as used between the
// router and the roster component (docs/roster-delegation.md). Generic on purpose: no component
// imports, so the router can use the same helpers (this file is meant to move to shared/xml/).
import { childElements, xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

export const NS_DELEGATION = 'urn:xmpp:delegation:2';
export const NS_PRIVILEGE = 'urn:xmpp:privilege:2';
export const NS_FORWARD = 'urn:xmpp:forward:0';
export const NS_CLIENT = 'jabber:client';

const STANZA_NAMES = new Set(['iq', 'message', 'presence']);

/** Forwarded stanzas carry xmlns='jabber:client' (XEP-0297 §3; docs/roster-delegation.md). */
function asClientStanza(inner: XmlElement): XmlElement {
  inner.attrs.xmlns = NS_CLIENT;
  return inner;
}

/** The one stanza inside <wrapper><forwarded/></wrapper>, or undefined. */
function forwardedStanza(envelope: XmlElement | undefined): XmlElement | undefined {
  const forwarded = envelope?.getChild('forwarded', NS_FORWARD);
  if (!forwarded) return undefined;
  const stanzas = childElements(forwarded).filter((el) => STANZA_NAMES.has(el.name));
  return stanzas.length === 1 ? stanzas[0] : undefined;
}

/**
 * XEP-0356 §7 message permission, extended by Pampero to <presence/> and <iq/>: `from` (the
 * privileged entity) sends `inner` on behalf of the user named in the inner `from`.
 */
export function wrapPrivileged(inner: XmlElement, route: { from: string; to: string }): XmlElement {
  return xml(
    'message',
    { from: route.from, to: route.to },
    xml('privilege', { xmlns: NS_PRIVILEGE }, xml('forwarded', { xmlns: NS_FORWARD }, asClientStanza(inner))),
  );
}

/** The stanza inside a <message><privilege><forwarded/></privilege></message>, or undefined. */
export function unwrapPrivileged(outer: XmlElement): XmlElement | undefined {
  if (outer.name !== 'message') return undefined;
  return forwardedStanza(outer.getChild('privilege', NS_PRIVILEGE));
}

/** XEP-0355 §4: the server forwards a client's IQ to the managing entity inside an IQ set. */
export function wrapDelegationRequest(inner: XmlElement, outer: { id: string; from: string; to: string }): XmlElement {
  return xml(
    'iq',
    { type: 'set', id: outer.id, from: outer.from, to: outer.to },
    xml('delegation', { xmlns: NS_DELEGATION }, xml('forwarded', { xmlns: NS_FORWARD }, asClientStanza(inner))),
  );
}

/**
 * XEP-0355 §4: the managing entity answers the outer IQ with the client's answer wrapped the same
 * way (outer type 'result', inner type 'result' or 'error').
 */
export function wrapDelegationResult(request: XmlElement, innerReply: XmlElement): XmlElement {
  return xml(
    'iq',
    { type: 'result', id: request.attrs.id, from: request.attrs.to, to: request.attrs.from },
    xml('delegation', { xmlns: NS_DELEGATION }, xml('forwarded', { xmlns: NS_FORWARD }, asClientStanza(innerReply))),
  );
}

/** The IQ inside an outer <iq><delegation><forwarded/></delegation></iq> (request or answer). */
export function unwrapDelegated(outer: XmlElement): XmlElement | undefined {
  if (outer.name !== 'iq') return undefined;
  const inner = forwardedStanza(outer.getChild('delegation', NS_DELEGATION));
  return inner?.name === 'iq' ? inner : undefined;
}
