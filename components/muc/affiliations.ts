// Affiliations (XEP-0045 §5.2) changed through muc#admin: banning (§9.1, outcast, status 301),
// member lists (§9.3–§9.5), admin and owner lists (§10.3–§10.8). Admins manage members and
// outcasts below admin; owners manage everything, but the last owner cannot step down (§10.6).
// Occupants whose affiliation changes get a new role and presence; those no longer allowed in
// (banned, or not a member of a members-only room: status 321) are removed.
import { broadcastPresence } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import { removeOccupant } from './occupant-presence.js';
import { affiliationOf, defaultRole, type Affiliation, type Occupant } from './room.js';
import { refuse, xml, type XmlChild } from './xml.js';

export const AFFILIATIONS: readonly Affiliation[] = ['owner', 'admin', 'member', 'outcast', 'none'];

export function isAffiliation(value: string | undefined): value is Affiliation {
  return AFFILIATIONS.includes(value as Affiliation);
}

export interface AffiliationChange {
  /** Bare JID. */
  jid: string;
  affiliation: Affiliation;
  reason?: string;
}

/** Checks an affiliation change made by `actorBare` without applying it. */
export function checkAffiliationChange(ctx: RoomContext, actorBare: string, change: AffiliationChange): void {
  const { room } = ctx;
  const actor = affiliationOf(room, actorBare);
  const current = affiliationOf(room, change.jid);
  if (actor !== 'owner' && actor !== 'admin') refuse('auth', 'forbidden', 'Only admins and owners change affiliations');
  if (actor === 'admin') {
    // §9: admins manage members and outcasts, never admins or owners.
    const low = (a: Affiliation) => a === 'none' || a === 'member' || a === 'outcast';
    if (!low(current) || !low(change.affiliation)) refuse('cancel', 'not-allowed', 'Only owners change admins and owners');
  }
  // §10.6/§10.9: a room always keeps an owner.
  if (current === 'owner' && change.affiliation !== 'owner') {
    const owners = [...room.affiliations.values()].filter((a) => a === 'owner').length;
    if (owners <= 1) refuse('cancel', 'conflict', 'The last owner cannot give up ownership');
  }
}

export function applyAffiliationChange(ctx: RoomContext, actor: Occupant | undefined, change: AffiliationChange): void {
  const { room } = ctx;
  if (change.affiliation === 'none') room.affiliations.delete(change.jid);
  else room.affiliations.set(change.jid, change.affiliation);
  // A reserved nick (registration.ts) belongs to an affiliation.
  if (change.affiliation === 'none' || change.affiliation === 'outcast') room.reservedNicks.delete(change.jid);
  const itemChildren: XmlChild[] = [actor ? xml('actor', { nick: actor.nick }) : null, change.reason ? xml('reason', {}, change.reason) : null];
  for (const occupant of [...room.occupants.values()]) {
    if (occupant.realBare !== change.jid) continue;
    const removal = change.affiliation === 'outcast' ? 301 : room.config.membersOnly && change.affiliation === 'none' ? 321 : undefined;
    if (removal !== undefined) {
      broadcastPresence(room, occupant, ctx.send, { type: 'unavailable', codes: [removal], itemChildren });
      removeOccupant(room, occupant);
      continue;
    }
    occupant.role = defaultRole(room, change.affiliation);
    broadcastPresence(room, occupant, ctx.send, { itemChildren: change.reason ? [xml('reason', {}, change.reason)] : [] });
  }
}

/** §9.5, §10.5, §10.8: the bare JIDs with an affiliation (admins and owners only). */
export function jidsWithAffiliation(ctx: RoomContext, requesterBare: string, affiliation: Affiliation): string[] {
  const requester = affiliationOf(ctx.room, requesterBare);
  if (requester !== 'owner' && requester !== 'admin') refuse('auth', 'forbidden', 'Only admins and owners see affiliation lists');
  return [...ctx.room.affiliations.entries()].filter(([, a]) => a === affiliation).map(([jid]) => jid);
}
