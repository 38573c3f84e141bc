// Roles (XEP-0045 §5.1) changed by moderators through muc#admin: kicking (§8.2, role none,
// status 307), granting and revoking voice (§8.3–§8.4), granting and revoking moderator status
// (§9.6–§9.7, admins and owners only). Nobody changes the role of someone affiliated higher.
import { broadcastPresence } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import { removeOccupant } from './occupant-presence.js';
import { affiliationOf, occupantByRealJid, outranks, type Occupant, type Role } from './room.js';
import { refuse, xml, type XmlChild } from './xml.js';

export const ROLES: readonly Role[] = ['moderator', 'participant', 'visitor', 'none'];

export function isRole(value: string | undefined): value is Role {
  return ROLES.includes(value as Role);
}

export interface RoleChange {
  nick: string;
  role: Role;
  reason?: string;
}

/** The actor: the occupant the IQ comes from (moderators only). */
export function moderatorOf(ctx: RoomContext, from: string): Occupant {
  const actor = occupantByRealJid(ctx.room, from);
  if (!actor || actor.role !== 'moderator') refuse('auth', 'forbidden', 'Only moderators may do this');
  return actor;
}

/** Checks a role change (§8.2–§8.6, §9.6–§9.7) without applying it. */
export function checkRoleChange(ctx: RoomContext, actor: Occupant, change: RoleChange): Occupant {
  const { room } = ctx;
  const target = room.occupants.get(change.nick);
  if (!target) refuse('modify', 'not-acceptable', `No occupant is called ${change.nick}`);
  const actorAffiliation = affiliationOf(room, actor.realBare);
  const targetAffiliation = affiliationOf(room, target.realBare);
  const actorIsAdmin = actorAffiliation === 'owner' || actorAffiliation === 'admin';
  // §9.6/§9.7: only admins and owners make or unmake moderators.
  if ((change.role === 'moderator' || target.role === 'moderator') && !actorIsAdmin) {
    refuse('cancel', 'not-allowed', 'Only admins and owners change moderator status');
  }
  // §8.2/§8.4: nobody kicks or silences someone affiliated at or above admin, nor above themselves.
  if (change.role !== 'moderator' && (targetAffiliation === 'owner' || targetAffiliation === 'admin' || outranks(targetAffiliation, actorAffiliation))) {
    if (target.realBare !== actor.realBare) refuse('cancel', 'not-allowed', 'That occupant outranks you');
  }
  return target;
}

export function applyRoleChange(ctx: RoomContext, actor: Occupant, target: Occupant, change: RoleChange): void {
  const { room } = ctx;
  const itemChildren: XmlChild[] = [xml('actor', { nick: actor.nick }), change.reason ? xml('reason', {}, change.reason) : null];
  if (change.role === 'none') {
    // §8.2: the kicked occupant and everyone else get unavailable presence with 307.
    broadcastPresence(room, target, ctx.send, { type: 'unavailable', codes: [307], itemChildren });
    removeOccupant(room, target);
    return;
  }
  target.role = change.role;
  broadcastPresence(room, target, ctx.send, { itemChildren: change.reason ? [xml('reason', {}, change.reason)] : [] });
}

/** §8.5, §9.8: the occupants with a role (moderators only). */
export function occupantsWithRole(ctx: RoomContext, role: Role): Occupant[] {
  return [...ctx.room.occupants.values()].filter((o) => o.role === role);
}
