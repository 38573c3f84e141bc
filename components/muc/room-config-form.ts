// Room configuration (XEP-0045 §10.1–§10.2): the owner gets the muc#roomconfig form and submits
// it; an empty submit creates an instant room (§10.1.2); cancelling the form of a new, still
// locked room destroys it (§10.1.3). Changes are announced with the §10.2.1 status codes (104,
// 172, 173) and a room that becomes members-only removes its non-members (322, §9.9).
import { broadcastPresence, roomNotice } from './broadcast.js';
import { bool, dataForm, parseBoolean, submittedValues, type FieldSpec } from './data-forms.js';
import type { RoomContext } from './muc-context.js';
import { NS_DATA, NS_MUC_OWNER } from './namespaces.js';
import { removeOccupant } from './occupant-presence.js';
import { affiliationOf, type RoomConfig } from './room.js';
import { iqResult, refuse, xml, type XmlElement } from './xml.js';

export const NS_ROOMCONFIG = 'http://jabber.org/protocol/muc#roomconfig';
/** Not in the XEP-0045 registry; the name Prosody uses, so its clients' forms work here too. */
export const FIELD_HISTORY_LENGTH = 'muc#roomconfig_historylength';

function configFields(config: RoomConfig, maxUsersLimit: number): FieldSpec[] {
  return [
    { var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Title', value: config.name },
    { var: 'muc#roomconfig_roomdesc', type: 'text-single', label: 'Description', value: config.description },
    { var: 'muc#roomconfig_persistentroom', type: 'boolean', label: 'Persistent (kept when empty)', value: bool(config.persistent) },
    { var: 'muc#roomconfig_publicroom', type: 'boolean', label: 'Listed in the room directory', value: bool(config.public) },
    { var: 'muc#roomconfig_membersonly', type: 'boolean', label: 'Members only', value: bool(config.membersOnly) },
    { var: 'muc#roomconfig_moderatedroom', type: 'boolean', label: 'Moderated (only participants may speak)', value: bool(config.moderated) },
    { var: 'muc#roomconfig_passwordprotectedroom', type: 'boolean', label: 'Password required to enter', value: bool(config.password !== '') },
    { var: 'muc#roomconfig_roomsecret', type: 'text-private', label: 'Password', value: config.password },
    {
      var: 'muc#roomconfig_whois',
      type: 'list-single',
      label: 'Who may discover real JIDs',
      value: config.whois,
      options: [
        { label: 'Moderators only', value: 'moderators' },
        { label: 'Anyone', value: 'anyone' },
      ],
    },
    { var: 'muc#roomconfig_maxusers', type: 'text-single', label: `Maximum occupants (at most ${maxUsersLimit})`, value: String(config.maxUsers) },
    { var: FIELD_HISTORY_LENGTH, type: 'text-single', label: 'Messages kept in the history', value: String(config.historyLength) },
    { var: 'muc#roomconfig_changesubject', type: 'boolean', label: 'Participants may change the subject', value: bool(config.changeSubject) },
    { var: 'muc#roomconfig_allowinvites', type: 'boolean', label: 'Participants may invite others', value: bool(config.allowInvites) },
  ];
}

/** §10.2: the configuration form (owners only). */
export async function getConfigForm(ctx: RoomContext, iq: XmlElement): Promise<XmlElement> {
  assertOwner(ctx, iq);
  const form = dataForm('form', NS_ROOMCONFIG, `Configuration of ${ctx.room.jid}`, configFields(ctx.room.config, ctx.service.maxUsersLimit));
  return iqResult(iq, xml('query', { xmlns: NS_MUC_OWNER }, form));
}

export function assertOwner(ctx: RoomContext, iq: XmlElement): void {
  const bare = (iq.attrs.from ?? '').split('/')[0]!;
  if (affiliationOf(ctx.room, bare) !== 'owner') refuse('auth', 'forbidden', 'Only owners may do this');
}

function boundedInt(text: string | undefined, min: number, max: number, field: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) refuse('modify', 'not-acceptable', `${field} must be a number`);
  return Math.min(max, Math.max(min, Number(text)));
}

/** Reads a submitted form over the current configuration; unknown fields are ignored. */
export function applyConfigForm(current: RoomConfig, form: XmlElement, limits: { maxUsers: number; maxHistory: number }): RoomConfig {
  const values = submittedValues(form);
  const one = (name: string) => values.get(`muc#roomconfig_${name}`)?.[0];
  const flag = (name: string, fallback: boolean) => parseBoolean(one(name)) ?? fallback;
  const next: RoomConfig = {
    ...current,
    name: one('roomname') ?? current.name,
    description: one('roomdesc') ?? current.description,
    persistent: flag('persistentroom', current.persistent),
    public: flag('publicroom', current.public),
    membersOnly: flag('membersonly', current.membersOnly),
    moderated: flag('moderatedroom', current.moderated),
    changeSubject: flag('changesubject', current.changeSubject),
    allowInvites: flag('allowinvites', current.allowInvites),
    maxUsers: boundedInt(one('maxusers'), 1, limits.maxUsers, 'maxusers') ?? current.maxUsers,
    historyLength: boundedInt(values.get(FIELD_HISTORY_LENGTH)?.[0], 0, limits.maxHistory, 'historylength') ?? current.historyLength,
  };
  const whois = one('whois');
  if (whois === 'anyone' || whois === 'moderators') next.whois = whois;
  else if (whois !== undefined) refuse('modify', 'not-acceptable', 'whois must be moderators or anyone');
  const secret = one('roomsecret');
  const protectedRoom = parseBoolean(one('passwordprotectedroom'));
  if (protectedRoom === false) next.password = '';
  else if (secret !== undefined) next.password = secret;
  if (protectedRoom === true && !next.password) refuse('modify', 'not-acceptable', 'A password-protected room needs a password');
  return next;
}

/** §10.1.2, §10.1.3, §10.2: a muc#owner set carrying a form. */
export async function submitConfigForm(ctx: RoomContext, iq: XmlElement, form: XmlElement): Promise<XmlElement> {
  assertOwner(ctx, iq);
  const { room } = ctx;
  if (form.attrs.type === 'cancel') {
    if (room.locked) await ctx.forget(); // §10.1.3: the owner did not want the room after all
    return iqResult(iq);
  }
  if (form.attrs.type !== 'submit' || form.attrs.xmlns !== NS_DATA) refuse('modify', 'bad-request', 'Expected a submitted jabber:x:data form');
  const previous = room.config;
  const next = applyConfigForm(previous, form, { maxUsers: ctx.service.maxUsersLimit, maxHistory: ctx.service.maxHistoryLength });
  if (next.persistent && !ctx.service.rooms) refuse('cancel', 'not-allowed', 'This service keeps no persistent rooms');
  room.config = next;
  const wasLocked = room.locked;
  room.locked = false;
  if (room.history.length > next.historyLength) room.history.splice(0, room.history.length - next.historyLength);
  await ctx.save();
  if (!wasLocked) announceChanges(ctx, previous, next);
  if (next.membersOnly && !previous.membersOnly) removeNonMembers(ctx);
  return iqResult(iq);
}

function announceChanges(ctx: RoomContext, previous: RoomConfig, next: RoomConfig): void {
  const codes: number[] = [];
  if (previous.whois !== next.whois) codes.push(next.whois === 'anyone' ? 172 : 173);
  const { whois: _a, ...restPrevious } = previous;
  const { whois: _b, ...restNext } = next;
  if (JSON.stringify(restPrevious) !== JSON.stringify(restNext)) codes.push(104);
  if (codes.length > 0) roomNotice(ctx.room, ctx.send, codes);
}

/** §9.9 (via the configuration): non-members leave with status 322. */
function removeNonMembers(ctx: RoomContext): void {
  const { room } = ctx;
  for (const occupant of [...room.occupants.values()]) {
    if (affiliationOf(room, occupant.realBare) !== 'none') continue;
    broadcastPresence(room, occupant, ctx.send, { type: 'unavailable', codes: [322] });
    removeOccupant(room, occupant);
  }
}
