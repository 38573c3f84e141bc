// Changing nickname (XEP-0045 §7.6): unavailable presence with status 303 and the new nick in
// <item/>, then available presence under the new nick; the occupant itself also gets 110.
import { broadcastPresence, presencePayload } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import { isReservedForAnother } from './registration.js';
import type { Occupant } from './room.js';
import { refuse, type XmlElement } from './xml.js';

export async function changeNick(ctx: RoomContext, occupant: Occupant, newNick: string, presence: XmlElement): Promise<void> {
  const { room } = ctx;
  // §7.6.3: the new nickname is taken.
  if (room.occupants.has(newNick)) refuse('cancel', 'conflict', 'That nickname is already in use');
  // §7.6.3 and §7.12: nor may it be one registered by another user.
  if (isReservedForAnother(room, newNick, occupant.realBare)) refuse('cancel', 'conflict', 'That nickname is registered by another user');
  broadcastPresence(room, occupant, ctx.send, { type: 'unavailable', codes: [303], itemNick: newNick });
  room.occupants.delete(occupant.nick);
  occupant.nick = newNick;
  // With several sessions (occupant-sessions.ts) the whole occupant is renamed.
  const from = presence.attrs.from ?? occupant.realJid;
  occupant.sessions.set(from, presencePayload(presence));
  occupant.presence = occupant.sessions.get(occupant.realJid)!;
  room.occupants.set(newNick, occupant);
  for (const session of occupant.sessions.keys()) room.nickOf.set(session, newNick);
  broadcastPresence(room, occupant, ctx.send);
}
