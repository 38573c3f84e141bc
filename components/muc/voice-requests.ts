// Requesting voice (XEP-0045 §7.13, §8.6): a visitor of a moderated room submits the
// muc#request form to the room, which hands an approval form to every moderator; a moderator
// who submits it back with muc#request_allow true grants voice (the occupant becomes participant).
import { dataForm, parseBoolean, submittedValues } from './data-forms.js';
import type { RoomContext } from './muc-context.js';
import { NS_DATA } from './namespaces.js';
import { occupantByRealJid, sessionsOf } from './room.js';
import { applyRoleChange, checkRoleChange } from './roles.js';
import { refuse, xml, type XmlElement } from './xml.js';

export const NS_MUC_REQUEST = 'http://jabber.org/protocol/muc#request';

/** A message carrying a submitted muc#request form. */
export function voiceRequestForm(message: XmlElement): XmlElement | undefined {
  const form = message.getChild('x', NS_DATA);
  if (!form || form.attrs.type !== 'submit') return undefined;
  return submittedValues(form).get('FORM_TYPE')?.[0] === NS_MUC_REQUEST ? form : undefined;
}

export async function handleVoiceRequest(ctx: RoomContext, message: XmlElement, form: XmlElement): Promise<void> {
  const { room } = ctx;
  const sender = occupantByRealJid(room, message.attrs.from ?? '');
  if (!sender) refuse('modify', 'not-acceptable', 'Only occupants may ask for voice');
  const values = submittedValues(form);
  if (values.has('muc#request_allow')) return approve(ctx, sender.nick, values);
  if (sender.role !== 'visitor') return; // §7.13: only visitors ask; nothing to do for others
  const approval = () =>
    dataForm('form', NS_MUC_REQUEST, 'Voice request', [
      { var: 'muc#role', type: 'list-single', label: 'Requested role', value: 'participant' },
      { var: 'muc#jid', type: 'jid-single', label: 'User ID', value: sender.realJid },
      { var: 'muc#roomnick', type: 'text-single', label: 'Room Nickname', value: sender.nick },
      { var: 'muc#request_allow', type: 'boolean', label: 'Grant voice to this person?', value: 'false' },
    ]);
  for (const moderator of room.occupants.values()) {
    if (moderator.role !== 'moderator') continue;
    for (const to of sessionsOf(moderator)) ctx.send(xml('message', { from: room.jid, to }, approval()));
  }
}

/** §8.6: a moderator's answer to a voice request. */
function approve(ctx: RoomContext, actorNick: string, values: Map<string, string[]>): void {
  const actor = ctx.room.occupants.get(actorNick)!;
  if (actor.role !== 'moderator') refuse('auth', 'forbidden', 'Only moderators approve voice requests');
  if (!parseBoolean(values.get('muc#request_allow')?.[0])) return;
  const nick = values.get('muc#roomnick')?.[0];
  if (!nick) refuse('modify', 'bad-request', 'muc#roomnick is missing');
  const change = { nick, role: 'participant' as const };
  const target = checkRoleChange(ctx, actor, change);
  if (target.role === 'visitor') applyRoleChange(ctx, actor, target, change);
}
