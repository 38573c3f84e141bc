// Service discovery (XEP-0045 §6): the service's identity and features (§6.1), its public rooms
// (§6.3), a room's identity, features and muc#roominfo form (§6.4), and a room's items (§6.5:
// none, so that occupants' nicks are not given away).
import { dataForm } from './data-forms.js';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC } from './namespaces.js';
import { OCCUPANT_ID_FEATURE } from './occupant-id.js';
import { SELF_PING_FEATURE } from './occupant-iq.js';
import { NS_REGISTER } from './registration.js';
import { NS_FULLTEXT, NS_MAM, NS_STANZA_ID } from './room-archive.js';
import type { Room } from './room.js';
import { iqResult, xml, type XmlElement } from './xml.js';

export const SERVICE_NAME = 'Pampero chat rooms';
const SERVICE_FEATURES = [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, OCCUPANT_ID_FEATURE, SELF_PING_FEATURE];

export function isDiscoQuery(iq: XmlElement, ns: typeof NS_DISCO_INFO | typeof NS_DISCO_ITEMS): XmlElement | undefined {
  return iq.attrs.type === 'get' ? iq.getChild('query', ns) : undefined;
}

const features = (vars: string[]) => vars.map((v) => xml('feature', { var: v }));

/** §6.1 */
export function serviceInfo(iq: XmlElement): XmlElement {
  return iqResult(iq, xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'conference', type: 'text', name: SERVICE_NAME }), features(SERVICE_FEATURES)));
}

/** §6.3: the public rooms, as { jid, name }. */
export function serviceItems(iq: XmlElement, rooms: Array<{ jid: string; name: string }>): XmlElement {
  return iqResult(iq, xml('query', { xmlns: NS_DISCO_ITEMS }, rooms.map((r) => xml('item', { jid: r.jid, name: r.name || undefined }))));
}

/** §6.4 and §15.3: one feature for each side of each room property. */
export function roomFeatures(room: Room, archived = false, fullText = false): string[] {
  const c = room.config;
  return [
    NS_DISCO_INFO,
    NS_MUC,
    NS_REGISTER,
    OCCUPANT_ID_FEATURE,
    SELF_PING_FEATURE,
    c.persistent ? 'muc_persistent' : 'muc_temporary',
    c.membersOnly ? 'muc_membersonly' : 'muc_open',
    c.public ? 'muc_public' : 'muc_hidden',
    c.moderated ? 'muc_moderated' : 'muc_unmoderated',
    c.password ? 'muc_passwordprotected' : 'muc_unsecured',
    c.whois === 'anyone' ? 'muc_nonanonymous' : 'muc_semianonymous',
    ...(archived ? [NS_MAM, NS_STANZA_ID] : []),
    ...(archived && fullText ? [NS_FULLTEXT] : []),
  ];
}

/** §6.4: identity, features and the muc#roominfo extended form (XEP-0128). */
export function roomInfo(iq: XmlElement, room: Room, archived = false, fullText = false): XmlElement {
  const info = dataForm('result', 'http://jabber.org/protocol/muc#roominfo', undefined, [
    { var: 'muc#roominfo_description', type: 'text-single', label: 'Description', value: room.config.description },
    { var: 'muc#roominfo_occupants', type: 'text-single', label: 'Number of occupants', value: String(room.occupants.size) },
    { var: 'muc#roominfo_subject', type: 'text-single', label: 'Subject', value: room.subject?.text ?? '' },
    { var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Title', value: room.config.name },
    { var: 'muc#maxhistoryfetch', type: 'text-single', label: 'Most history messages returned', value: String(room.config.historyLength) },
  ]);
  return iqResult(
    iq,
    xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('identity', { category: 'conference', type: 'text', name: room.config.name || room.jid.split('@')[0] }),
      features(roomFeatures(room, archived, fullText)),
      info,
    ),
  );
}

/** §6.5: no items (the occupant list is given by presence, to occupants only). */
export function roomItems(iq: XmlElement): XmlElement {
  return iqResult(iq, xml('query', { xmlns: NS_DISCO_ITEMS }));
}

