// Entering, presence updates and exiting (XEP-0045 §7.2, §7.7, §7.14). The checks of §7.2.6–§7.2.11
// run in the order the XEP lists them; the joiner first receives everyone else's presence, then
// everyone receives the joiner's, then the joiner its own (110), the history and the subject.
import { parseJid } from '../../shared/jid.js';
import { broadcastPresence, occupantPresence, presencePayload, toEveryone } from './broadcast.js';
import { addSession, removeSession, updateSessionPresence } from './occupant-sessions.js';
import { historyMessage, parseHistoryRequest, selectHistory } from './history.js';
import type { RoomContext } from './muc-context.js';
import { NS_MUC } from './namespaces.js';
import { changeNick } from './nick-change.js';
import { occupantIdFor } from './occupant-id.js';
import { affiliationOf, defaultRole, occupantByRealJid, type Occupant, type Room } from './room.js';
import { isReservedForAnother } from './registration.js';
import { subjectMessage } from './subject.js';
import { checkJoinRate } from './join-limit.js';
import { refuse, xml, type XmlElement } from './xml.js';


/** §7.2.9: nicknames are compared after Unicode normalisation; empty ones are refused (jid-malformed). */
function checkedNick(nick: string): string {
  const normalised = nick.normalize('NFC');
  if (!normalised.trim()) refuse('modify', 'jid-malformed', 'A nickname is required');
  return normalised;
}

/** An available presence to room/nick: entering, a presence change or a nickname change. */
export async function handleOccupantPresence(ctx: RoomContext, presence: XmlElement, nick: string, created: boolean): Promise<void> {
  const from = presence.attrs.from ?? '';
  const current = occupantByRealJid(ctx.room, from);
  if (!current) {
    // The same user entering from another resource under the same nick: a second session.
    const sameUser = ctx.room.occupants.get(nick);
    if (sameUser && sameUser.realBare === parseJid(from)?.bare) {
      checkPassword(ctx.room, presence, false);
      return addSession(ctx, sameUser, presence, (to) => sendHistoryAndSubject(ctx, to, presence));
    }
    return enter(ctx, presence, checkedNick(nick), created);
  }
  if (current.nick !== nick) return changeNick(ctx, current, checkedNick(nick), presence);
  // Entering again under the same nick (the client lost track, e.g. after a reconnection that
  // kept the resource): this session gets the whole entering sequence again.
  const rejoining = presence.getChild('x', NS_MUC) !== undefined;
  if (rejoining) for (const other of ctx.room.occupants.values()) if (other !== current) ctx.send(occupantPresence(ctx.room, other, current, {}, from));
  // §7.7: a changed presence is broadcast to everyone.
  updateSessionPresence(ctx, current, from, presencePayload(presence));
  if (rejoining) sendHistoryAndSubject(ctx, from, presence);
}

/** §7.2.6: password-protected rooms (the owner of a new room has no password to give). */
function checkPassword(room: Room, presence: XmlElement, created: boolean): void {
  if (!room.config.password || created) return;
  const given = presence.getChild('x', NS_MUC)?.getChildText('password');
  if (given !== room.config.password) refuse('auth', 'not-authorized', 'A password is required to enter this room');
}

async function enter(ctx: RoomContext, presence: XmlElement, nick: string, created: boolean): Promise<void> {
  const { room } = ctx;
  const realJid = parseJid(presence.attrs.from ?? '');
  if (!realJid) refuse('modify', 'jid-malformed');
  const affiliation = affiliationOf(room, realJid.bare);
  const privileged = affiliation === 'owner' || affiliation === 'admin';
  // §10.1.1: a locked room only lets its owner in.
  if (room.locked && affiliation !== 'owner') refuse('cancel', 'item-not-found', 'This room is locked until its owner configures it');
  // §7.2.7: members-only.
  if (room.config.membersOnly && affiliation === 'none') refuse('auth', 'registration-required', 'This room is for members only');
  // §7.2.8: banned users.
  if (affiliation === 'outcast') refuse('auth', 'forbidden', 'You are banned from this room');
  // §7.2.9: nickname conflict (the same user under the same nick is a second session, see above).
  if (room.occupants.has(nick)) refuse('cancel', 'conflict', 'That nickname is already in use');
  // §7.2.9 and §7.12: a nickname registered by another user is theirs.
  if (isReservedForAnother(room, nick, realJid.bare)) refuse('cancel', 'conflict', 'That nickname is registered by another user');
  // §7.2.10: maximum number of occupants (owners and admins may still enter).
  if (room.occupants.size >= room.config.maxUsers && !privileged) refuse('wait', 'service-unavailable', 'This room is full');
  checkPassword(room, presence, created);
  await checkJoinRate(ctx.service, realJid.bare); // docs/abuse.md: joins per user (the room's lane waits)

  const payload = presencePayload(presence);
  const occupant: Occupant = {
    nick,
    realJid: realJid.full,
    realBare: realJid.bare,
    role: defaultRole(room, affiliation),
    occupantId: occupantIdFor(ctx.service.occupantIdKey, room.jid, realJid.bare),
    presence: payload,
    sessions: new Map([[realJid.full, payload]]),
  };
  for (const other of room.occupants.values()) ctx.send(occupantPresence(room, other, occupant));
  room.occupants.set(nick, occupant);
  room.nickOf.set(occupant.realJid, nick);
  // §7.2.3 and §15.6: 100 (non-anonymous), 201 (new room, locked until configured).
  const selfCodes = [...(room.config.whois === 'anyone' ? [100] : []), ...(created ? [201] : [])];
  broadcastPresence(room, occupant, ctx.send, { selfCodes });
  sendHistoryAndSubject(ctx, occupant.realJid, presence);
}

/** §7.2 "Managing Discussion History" and "Room Subject": to the entering session `to`. */
function sendHistoryAndSubject(ctx: RoomContext, to: string, presence: XmlElement): void {
  const { room } = ctx;
  for (const entry of selectHistory(room, parseHistoryRequest(presence), ctx.service.now())) {
    ctx.send(historyMessage(room, entry, to));
  }
  ctx.send(subjectMessage(room, to)); // always, empty if none
}

/** §7.14: an occupant leaves; everyone (itself with 110) gets its unavailable presence. */
export async function handleExit(ctx: RoomContext, presence: XmlElement): Promise<void> {
  const occupant = occupantByRealJid(ctx.room, presence.attrs.from ?? '');
  if (!occupant) return; // not in the room: nothing to do (never an error to unavailable)
  if (occupant.sessions.size > 1) return removeSession(ctx, occupant, presence.attrs.from ?? '', [110]);
  const status = presence.getChildText('status');
  const payload = xml('presence', { type: 'unavailable' }, status !== null ? xml('status', {}, status) : null);
  occupant.presence = payload;
  removeOccupant(ctx.room, occupant);
  broadcastToLeaver(ctx, occupant, status);
}

function broadcastToLeaver(ctx: RoomContext, occupant: Occupant, status: string | null): void {
  const { room } = ctx;
  const withStatus = (p: XmlElement) => {
    if (status !== null) p.children.unshift(xml('status', {}, status));
    return p;
  };
  toEveryone(room, (to, viewer) => withStatus(occupantPresence(room, occupant, viewer, { type: 'unavailable' }, to)), ctx.send);
  ctx.send(withStatus(occupantPresence(room, occupant, occupant, { type: 'unavailable' })));
}

/**
 * A presence error from an occupant, or an error bouncing a groupchat message sent to it, means
 * its session is gone: it is removed, the others see it leave with 333 (§15.6, Prosody does the same).
 */
export async function handlePresenceError(ctx: RoomContext, presence: XmlElement): Promise<void> {
  const occupant = occupantByRealJid(ctx.room, presence.attrs.from ?? '');
  if (!occupant) return;
  if (occupant.sessions.size > 1) return removeSession(ctx, occupant, presence.attrs.from ?? '', []);
  removeOccupant(ctx.room, occupant);
  toEveryone(ctx.room, (to, viewer) => occupantPresence(ctx.room, occupant, viewer, { type: 'unavailable', codes: [333] }, to), ctx.send);
}

/** A message error from an occupant: the server bounced a message the room sent it (gone session). */
export async function handleMessageError(ctx: RoomContext, message: XmlElement): Promise<void> {
  await handlePresenceError(ctx, message);
}

export function removeOccupant(room: Room, occupant: Occupant): void {
  room.occupants.delete(occupant.nick);
  for (const session of occupant.sessions.keys()) room.nickOf.delete(session);
}
