// Room subject (XEP-0045 §8.1): changed by a groupchat message with <subject/> and no <body/>,
// by moderators or, when muc#roomconfig_changesubject allows, by participants; sent to every
// entering occupant after the history (§7.2 "Room Subject"), empty when none was ever set.
import { toEveryone } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import { occupantIdElement } from './occupant-id.js';
import { occupantJid, type Occupant, type Room } from './room.js';
import { refuse, xml, type XmlElement } from './xml.js';

/** §8.1: a subject change is a message with <subject/> and no <body/>. */
export function isSubjectChange(message: XmlElement): boolean {
  return message.getChild('subject') !== undefined && message.getChild('body') === undefined;
}

export function subjectMessage(room: Room, to: string): XmlElement {
  const subject = room.subject;
  const from = subject?.nick ? occupantJid(room, subject.nick) : room.jid;
  return xml('message', { type: 'groupchat', from, to }, xml('subject', {}, subject?.text ?? ''));
}

/** §8.1 (and §8.2 for the refusal): changes the subject and tells every occupant. */
export async function changeSubject(ctx: RoomContext, sender: Occupant, message: XmlElement): Promise<void> {
  const { room } = ctx;
  const allowed = sender.role === 'moderator' || (sender.role === 'participant' && room.config.changeSubject);
  if (!allowed) refuse('auth', 'forbidden', 'You may not change the subject of this room');
  room.subject = { text: message.getChildText('subject') ?? '', nick: sender.nick, at: ctx.service.now() };
  toEveryone(
    room,
    (to) => {
      const out = subjectMessage(room, to);
      out.attrs.id = message.attrs.id;
      out.append(occupantIdElement(sender.occupantId));
      return out;
    },
    ctx.send,
  );
  if (room.config.persistent) await ctx.save();
}
