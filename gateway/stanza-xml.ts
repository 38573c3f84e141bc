// One serialisation of a stanza for every local session it reaches in one go (issue 11, clients
// that stop reading). A message to a bare JID goes to each of the account's top resources and a
// presence to each of its available ones (RFC 6121 §8.5.2): the router hands the same Element to
// every session, synchronously, and each TCP transport serialised it again — 100 resources of one
// account cost 100 serialisations of an 8 KB message. The text is kept for the rest of the
// current synchronous job only (forgotten at the next microtask), so an Element built or changed
// later is serialised afresh; within one job nothing changes an Element between two deliveries
// (the router and the transports copy an Element before they change it).
import type { Element } from 'ltx';

let cachedStanza: Element | undefined;
let cachedXml = '';

function forget(): void {
  cachedStanza = undefined;
  cachedXml = '';
}

/** `stanza.toString()`, computed once per Element and synchronous job. */
export function stanzaXml(stanza: Element): string {
  if (stanza === cachedStanza) return cachedXml;
  const xml = stanza.toString();
  if (cachedStanza === undefined) queueMicrotask(forget);
  cachedStanza = stanza;
  cachedXml = xml;
  return xml;
}
