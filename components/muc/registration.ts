// Registering with a room (XEP-0045 §7.10) and reserved nicknames (§7.12). A user registers a
// nickname with the muc#register form (jabber:iq:register to the room); the nickname is then
// reserved for that bare JID: anyone else entering or changing to it gets conflict (§7.2.9,
// §7.6.3). Registering makes an unaffiliated user a member (there is no approval queue), as
// Prosody does; a reservation belongs to an affiliation, so it ends when the user's affiliation
// becomes none or outcast (affiliations.ts), or when the user cancels with <remove/>
// (XEP-0077 §3.2). Reservations are stored with the room (MucRoomRecord.reservedNicks).
import { parseJid } from '../../shared/jid.js';
import { formField, submittedValues } from './data-forms.js';
import type { RoomContext } from './muc-context.js';
import { NS_DATA, NS_DISCO_INFO } from './namespaces.js';
import { affiliationOf, type Room } from './room.js';
import { iqResult, refuse, xml, type XmlElement } from './xml.js';

export const NS_REGISTER = 'jabber:iq:register';
export const NS_MUC_REGISTER = 'http://jabber.org/protocol/muc#register';
/** §7.12: the disco#info node that tells a user its reserved nickname. */
export const ROOMUSER_NODE = 'x-roomuser-item';
const ROOMNICK = 'muc#register_roomnick';

/** Whether `nick` is reserved for someone other than `bareJid` (compared as the room compares nicks). */
export function isReservedForAnother(room: Room, nick: string, bareJid: string): boolean {
  for (const [owner, reserved] of room.reservedNicks) if (reserved === nick && owner !== bareJid) return true;
  return false;
}

/** The registration form (§7.10, Example 61); only the room nickname is required. */
function registrationForm(iq: XmlElement): XmlElement {
  const form = xml(
    'x',
    { xmlns: NS_DATA, type: 'form' },
    xml('title', {}, 'Register with this room'),
    formField({ var: 'FORM_TYPE', type: 'hidden', value: NS_MUC_REGISTER }),
    xml('field', { var: ROOMNICK, type: 'text-single', label: 'Desired nickname' }, xml('required')),
  );
  return iqResult(iq, xml('query', { xmlns: NS_REGISTER }, xml('instructions', {}, 'Reserve a nickname in this room'), form));
}

function mayRegister(room: Room, bare: string): void {
  const affiliation = affiliationOf(room, bare);
  if (affiliation === 'outcast') refuse('auth', 'forbidden', 'You are banned from this room');
  // Without an approval queue, members-only rooms take registrations from affiliated users only.
  if (room.config.membersOnly && affiliation === 'none') refuse('auth', 'registration-required', 'Ask an admin of this room to make you a member');
}

export async function handleRegistration(ctx: RoomContext, iq: XmlElement, query: XmlElement): Promise<XmlElement> {
  const { room } = ctx;
  const bare = parseJid(iq.attrs.from ?? '')?.bare ?? '';
  if (iq.attrs.type === 'get') {
    const reserved = room.reservedNicks.get(bare);
    // §7.10: already registered — say so, with the nickname.
    if (reserved !== undefined) return iqResult(iq, xml('query', { xmlns: NS_REGISTER }, xml('registered'), xml('username', {}, reserved)));
    mayRegister(room, bare);
    return registrationForm(iq);
  }
  if (query.getChild('remove')) {
    if (!room.reservedNicks.delete(bare)) refuse('cancel', 'item-not-found', 'You are not registered with this room');
    await ctx.save();
    return iqResult(iq);
  }
  mayRegister(room, bare);
  const form = query.getChild('x', NS_DATA);
  if (!form || form.attrs.type === 'cancel') refuse('modify', 'bad-request', 'Submit the muc#register form');
  const values = submittedValues(form);
  if (values.get('FORM_TYPE')?.[0] !== NS_MUC_REGISTER) refuse('modify', 'bad-request', `FORM_TYPE must be ${NS_MUC_REGISTER}`);
  const nick = (values.get(ROOMNICK)?.[0] ?? '').normalize('NFC');
  if (!nick.trim()) refuse('modify', 'bad-request', 'A nickname is required');
  if (isReservedForAnother(room, nick, bare)) refuse('cancel', 'conflict', 'That nickname is registered by someone else');
  const holder = room.occupants.get(nick);
  if (holder && holder.realBare !== bare) refuse('cancel', 'conflict', 'That nickname is in use by someone else');
  room.reservedNicks.set(bare, nick);
  if (affiliationOf(room, bare) === 'none') room.affiliations.set(bare, 'member');
  await ctx.save();
  return iqResult(iq);
}

/** §7.12: disco#info with node x-roomuser-item: the user's reserved nickname as the identity name. */
export function reservedNickInfo(room: Room, iq: XmlElement): XmlElement {
  const reserved = room.reservedNicks.get(parseJid(iq.attrs.from ?? '')?.bare ?? '');
  return iqResult(
    iq,
    xml('query', { xmlns: NS_DISCO_INFO, node: ROOMUSER_NODE }, reserved === undefined ? null : xml('identity', { category: 'conference', type: 'text', name: reserved })),
  );
}
