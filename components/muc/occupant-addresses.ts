// The XEP-0033 `<addresses/>` lists of a room's occupant sessions for multicast (broadcast.ts
// `multicastToOccupants`), kept per room and rebuilt only when the sessions changed: a room of 500
// that talks sends every message to the same 500 JIDs, and building 500 `<address/>` elements per
// message cost more than the rest of the MUC's work for it (docs/muc.md, "Fan-out cost").
//
// Nothing has to remember to invalidate the lists: each use compares the room's session index
// (`room.nickOf`, one key per session of every occupant, changed with the sessions by every entry,
// exit, nick change and extra session) with the one the lists were built from, one string
// comparison per session and no allocation. The lists are only ever appended to outgoing stanzas,
// which the link copies or serialises at once, and never changed.
import type { Room } from './room.js';
import { xml, type XmlElement } from './xml.js';

/** XEP-0033 extended stanza addressing. */
const NS_ADDRESS = 'http://jabber.org/protocol/address';

interface AddressLists {
  /** `room.nickOf`'s keys when the lists were built. */
  index: string[];
  perList: number;
  lists: XmlElement[];
}

const byRoom = new WeakMap<Room, AddressLists>();

/** `<addresses/>` elements with one blind copy for every session of every occupant, at most `perList` each. */
export function occupantAddressLists(room: Room, perList: number): readonly XmlElement[] {
  const cached = byRoom.get(room);
  if (cached && cached.perList === perList && sameIndex(room, cached.index)) return cached.lists;
  const index = [...room.nickOf.keys()];
  // Only sessions the occupants really have (the index and the sessions never disagree; an entry without its session would be left out).
  const jids = index.filter((jid) => room.occupants.get(room.nickOf.get(jid)!)?.sessions.has(jid));
  const lists: XmlElement[] = [];
  for (let i = 0; i < jids.length; i += perList) {
    lists.push(xml('addresses', { xmlns: NS_ADDRESS }, ...jids.slice(i, i + perList).map((jid) => xml('address', { type: 'bcc', jid }))));
  }
  byRoom.set(room, { index, perList, lists });
  return lists;
}

/** The room's sessions are exactly `index`, in the same order. */
function sameIndex(room: Room, index: readonly string[]): boolean {
  if (room.nickOf.size !== index.length) return false;
  let i = 0;
  for (const jid of room.nickOf.keys()) if (index[i++] !== jid) return false;
  return true;
}
