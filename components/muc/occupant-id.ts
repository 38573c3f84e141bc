// XEP-0421 Anonymous unique occupant identifiers: the same real bare JID gets the same id in a
// room (across nick changes, sessions and instances sharing the key), and different rooms give
// different ids, so ids cannot be correlated across rooms.
import { createHmac } from 'node:crypto';
import { NS_OCCUPANT_ID } from './namespaces.js';
import { xml, type XmlElement } from './xml.js';

export const OCCUPANT_ID_FEATURE = NS_OCCUPANT_ID;

/** XEP-0421 §4: an opaque id, here HMAC-SHA-256(key, room JID + real bare JID), base64. */
export function occupantIdFor(key: string, roomJid: string, realBare: string): string {
  return createHmac('sha256', key).update(`${roomJid}\u0000${realBare}`).digest('base64');
}

/** XEP-0421 §4: the element added to presence and messages from an occupant. */
export function occupantIdElement(id: string): XmlElement {
  return xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id });
}

/** XEP-0421 §4: an occupant-id a client put into its own stanza is removed (it could be forged). */
export function stripOccupantIds(stanza: XmlElement): void {
  stanza.children = stanza.children.filter((c) => typeof c === 'string' || !c.is('occupant-id', NS_OCCUPANT_ID));
}
