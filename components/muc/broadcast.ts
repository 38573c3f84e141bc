// Presence from the room (XEP-0045 §7.2.3–§7.2.4): what each occupant sees of another occupant.
// The real JID is shown to moderators, or to everyone in a non-anonymous room (§7.2.4 non-anonymous, §7.2.5 semi-anonymous);
// status codes follow §15.6 and are added by the callers.
import { NS_MUC, NS_MUC_USER } from './namespaces.js';

/** Addresses per multicast stanza; Pampero's router takes up to 5000 (multicast-delivery.ts). */
const ADDRESSES_PER_STANZA = 1000;
import { occupantAddressLists } from './occupant-addresses.js';
import { occupantIdElement, stripOccupantIds } from './occupant-id.js';
import { affiliationOf, occupantJid, sessionsOf, type Occupant, type Room } from './room.js';
import { cloneElement, xml, type XmlChild, type XmlElement } from './xml.js';

export interface PresenceOptions {
  /** 'unavailable' for leaving, kicks and bans. */
  type?: 'unavailable';
  /** Status codes for everyone (§15.6); 110 is added for the occupant itself. */
  codes?: number[];
  /** Codes only the occupant itself gets (e.g. 201, 100). */
  selfCodes?: number[];
  /** Extra children of the <item/> (<actor/>, <reason/>) and item attributes (nick for 303). */
  itemChildren?: XmlChild[];
  itemNick?: string;
  /** Extra children of <x/> (<destroy/>). */
  xChildren?: XmlChild[];
}

/** The presence an occupant broadcasts: its own payload without MUC elements or forged ids. */
export function presencePayload(presence: XmlElement): XmlElement {
  const copy = cloneElement(presence);
  copy.attrs = {};
  copy.children = copy.children.filter((c) => typeof c !== 'string' && !c.is('x', NS_MUC) && !c.is('x', NS_MUC_USER));
  stripOccupantIds(copy);
  return copy;
}

export function seesRealJids(room: Room, viewer: Occupant): boolean {
  return room.config.whois === 'anyone' || viewer.role === 'moderator';
}

/** The presence of `subject` as `viewer` receives it (at `to`, one of the viewer's sessions). */
export function occupantPresence(room: Room, subject: Occupant, viewer: Occupant, opts: PresenceOptions = {}, to = viewer.realJid): XmlElement {
  const self = viewer === subject;
  const base = opts.type === 'unavailable' ? xml('presence', { type: 'unavailable' }) : cloneElement(subject.presence);
  base.attrs.from = occupantJid(room, subject.nick);
  base.attrs.to = to;
  const codes = [...(opts.codes ?? []), ...(self ? [110, ...(opts.selfCodes ?? [])] : [])];
  const item = xml(
    'item',
    {
      affiliation: affiliationOf(room, subject.realBare),
      role: opts.type === 'unavailable' ? 'none' : subject.role,
      jid: self || seesRealJids(room, viewer) ? subject.realJid : undefined,
      nick: opts.itemNick,
    },
    opts.itemChildren,
  );
  base.append(xml('x', { xmlns: NS_MUC_USER }, item, opts.xChildren, codes.map((code) => xml('status', { code: String(code) }))));
  base.append(occupantIdElement(subject.occupantId));
  return base;
}

/** Sends `subject`'s presence to every session of `viewer`. */
export function presenceToOccupant(room: Room, subject: Occupant, viewer: Occupant, send: (s: XmlElement) => void, opts: PresenceOptions = {}): void {
  for (const to of sessionsOf(viewer)) send(occupantPresence(room, subject, viewer, opts, to));
}

/** Sends `subject`'s presence to every occupant, itself last (with 110). */
export function broadcastPresence(room: Room, subject: Occupant, send: (s: XmlElement) => void, opts: PresenceOptions = {}): void {
  for (const viewer of room.occupants.values()) {
    if (viewer !== subject) presenceToOccupant(room, subject, viewer, send, opts);
  }
  presenceToOccupant(room, subject, subject, send, opts);
}

/** Sends a stanza made for each session of each occupant. */
export function toEveryone(room: Room, make: (to: string, viewer: Occupant) => XmlElement, send: (s: XmlElement) => void): void {
  for (const viewer of room.occupants.values()) for (const to of sessionsOf(viewer)) send(make(to, viewer));
}

/**
 * One stanza for every session of every occupant, through the server's XEP-0033 multicast: the
 * same payload goes to all, so it crosses the component link once (muc-context.ts `multicast`).
 * The address lists are the room's, reused while its sessions stay the same (occupant-addresses.ts).
 */
export function multicastToOccupants(room: Room, stanza: XmlElement, serverDomain: string): XmlElement[] {
  return occupantAddressLists(room, ADDRESSES_PER_STANZA).map((addresses) => {
    const copy = cloneElement(stanza);
    copy.attrs.to = serverDomain;
    copy.append(addresses);
    return copy;
  });
}

/** A message from the room itself to every occupant (§15.6 status codes of configuration changes). */
export function roomNotice(room: Room, send: (s: XmlElement) => void, codes: number[]): void {
  toEveryone(room, (to) => xml('message', { type: 'groupchat', from: room.jid, to }, xml('x', { xmlns: NS_MUC_USER }, codes.map((c) => xml('status', { code: String(c) })))), send);
}
