// Multi-session nicks (XEP-0045 §7.2 as of version 1.34, as Prosody does it): a user may be in
// a room under one nick from several resources. It stays one occupant (one presence for the
// others, one occupant id); everything for it goes to each session. The first session is the
// primary one (its presence and full JID are what others see); when it leaves, the next takes over.
import { broadcastPresence, occupantPresence, presencePayload, presenceToOccupant } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import type { Occupant } from './room.js';
import type { XmlElement } from './xml.js';

/** Another resource of the occupant's user enters under the same nick. */
export function addSession(ctx: RoomContext, occupant: Occupant, presence: XmlElement, welcome: (to: string) => void): void {
  const { room } = ctx;
  const to = presence.attrs.from ?? '';
  occupant.sessions.set(to, presencePayload(presence));
  room.nickOf.set(to, occupant.nick);
  for (const other of room.occupants.values()) if (other !== occupant) ctx.send(occupantPresence(room, other, occupant, {}, to));
  ctx.send(occupantPresence(room, occupant, occupant, { selfCodes: room.config.whois === 'anyone' ? [100] : [] }, to));
  welcome(to);
}

/** §7.7 for one session: the primary one's presence is broadcast; another's is echoed to it only. */
export function updateSessionPresence(ctx: RoomContext, occupant: Occupant, from: string, payload: XmlElement): void {
  occupant.sessions.set(from, payload);
  if (from === occupant.realJid) {
    occupant.presence = payload;
    broadcastPresence(ctx.room, occupant, ctx.send);
  } else {
    ctx.send(occupantPresence(ctx.room, occupant, occupant, {}, from));
  }
}

/** One of several sessions leaves (§7.14 for it alone); the others stay in the room. */
export function removeSession(ctx: RoomContext, occupant: Occupant, from: string, selfCodes: number[]): void {
  const { room } = ctx;
  occupant.sessions.delete(from);
  room.nickOf.delete(from);
  if (selfCodes.length > 0) {
    const gone = occupantPresence(room, occupant, occupant, { type: 'unavailable' }, from);
    ctx.send(gone);
  }
  if (from !== occupant.realJid) return;
  const [nextJid, nextPresence] = occupant.sessions.entries().next().value as [string, XmlElement];
  occupant.realJid = nextJid;
  occupant.presence = nextPresence;
  for (const viewer of room.occupants.values()) if (viewer !== occupant) presenceToOccupant(room, occupant, viewer, ctx.send);
}
