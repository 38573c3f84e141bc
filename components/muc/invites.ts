// Mediated invitations (XEP-0045 §7.8.2): an occupant sends <x xmlns='…muc#user'><invite to=…/>
// to the room, which forwards it from the room with the inviter's real bare JID (and the password
// of a protected room). In a members-only room only admins and owners invite unless
// muc#roomconfig_allowinvites is set, and the invitee becomes a member (§9.3 via §7.8.2).
// A <decline/> (§7.8.3) goes back to the inviter from the room. XEP-0249 direct invitations
// are client to client and never pass through the room.
import { parseJid } from '../../shared/jid.js';
import type { RoomContext } from './muc-context.js';
import { NS_MUC_USER } from './namespaces.js';
import { affiliationOf, occupantByRealJid } from './room.js';
import { refuse, xml, type XmlElement } from './xml.js';

export function isMediatedInvitation(message: XmlElement): boolean {
  const x = message.getChild('x', NS_MUC_USER);
  return x !== undefined && (x.getChild('invite') !== undefined || x.getChild('decline') !== undefined);
}

export async function handleMediatedInvitation(ctx: RoomContext, message: XmlElement): Promise<void> {
  const x = message.getChild('x', NS_MUC_USER)!;
  const from = parseJid(message.attrs.from ?? '');
  if (!from) refuse('modify', 'jid-malformed');
  const decline = x.getChild('decline');
  if (decline) return forwardDecline(ctx, from.bare, decline);
  const { room } = ctx;
  const inviter = occupantByRealJid(room, from.full);
  if (!inviter) refuse('modify', 'not-acceptable', 'Only occupants may invite');
  const affiliation = affiliationOf(room, from.bare);
  const privileged = affiliation === 'owner' || affiliation === 'admin';
  if (!privileged && !room.config.allowInvites && (room.config.membersOnly || inviter.role === 'visitor')) {
    refuse('auth', 'forbidden', 'You may not invite people to this room');
  }
  let saved = false;
  for (const invite of x.getChildren('invite')) {
    const invitee = parseJid(invite.attrs.to ?? '');
    if (!invitee) refuse('modify', 'jid-malformed', 'An invitation needs a valid to');
    if (affiliationOf(room, invitee.bare) === 'outcast') refuse('cancel', 'forbidden', `${invitee.bare} is banned from this room`);
    if (room.config.membersOnly && affiliationOf(room, invitee.bare) === 'none') {
      room.affiliations.set(invitee.bare, 'member');
      saved = true;
    }
    const reason = invite.getChildText('reason');
    ctx.send(
      xml(
        'message',
        { from: room.jid, to: invitee.full, id: message.attrs.id },
        xml(
          'x',
          { xmlns: NS_MUC_USER },
          xml('invite', { from: from.bare }, reason !== null ? xml('reason', {}, reason) : null),
          room.config.password ? xml('password', {}, room.config.password) : null,
        ),
      ),
    );
  }
  if (saved) await ctx.save();
}

function forwardDecline(ctx: RoomContext, fromBare: string, decline: XmlElement): void {
  const inviter = parseJid(decline.attrs.to ?? '');
  if (!inviter) refuse('modify', 'jid-malformed', 'A decline needs a valid to');
  const reason = decline.getChildText('reason');
  ctx.send(
    xml('message', { from: ctx.room.jid, to: inviter.full }, xml('x', { xmlns: NS_MUC_USER }, xml('decline', { from: fromBare }, reason !== null ? xml('reason', {}, reason) : null))),
  );
}
