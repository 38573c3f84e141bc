// Sending a message to all occupants (XEP-0045 §7.4): reflected to every occupant, the sender
// included, from room/nick with the sender's XEP-0421 occupant id; kept in the history.
// Visitors of a moderated room may not speak (§7.4: forbidden); non-occupants neither (not-acceptable).
import { multicastToOccupants, toEveryone } from './broadcast.js';
import { checkFlood } from './flood-control.js';
import { recordHistory } from './history.js';
import type { RoomContext } from './muc-context.js';
import { occupantIdElement, stripOccupantIds } from './occupant-id.js';
import { stampAndArchive } from './room-archive.js';
import { occupantByRealJid, occupantJid } from './room.js';
import { changeSubject, isSubjectChange } from './subject.js';
import { cloneElement, refuse, type XmlElement } from './xml.js';

export async function handleGroupchat(ctx: RoomContext, message: XmlElement): Promise<void> {
  const { room } = ctx;
  const sender = occupantByRealJid(room, message.attrs.from ?? '');
  if (!sender) refuse('modify', 'not-acceptable', 'Only occupants may send messages to this room');
  if (sender.role === 'visitor' || sender.role === 'none') refuse('auth', 'forbidden', 'Visitors may not speak in this moderated room');
  checkFlood(ctx.room, sender, ctx.service.flood, ctx.service.now());
  if (isSubjectChange(message)) return changeSubject(ctx, sender, message);

  const reflected = cloneElement(message);
  reflected.attrs.from = occupantJid(room, sender.nick);
  stripOccupantIds(reflected);
  reflected.append(occupantIdElement(sender.occupantId));
  if (message.getChild('body')) stampAndArchive(ctx, reflected, sender.nick);
  if (ctx.service.multicast) for (const s of multicastToOccupants(room, reflected, ctx.service.serverDomain)) ctx.send(s);
  else {
    toEveryone(
      room,
      (to) => {
        const copy = cloneElement(reflected);
        copy.attrs.to = to;
        return copy;
      },
      ctx.send,
    );
  }
  if (message.getChild('body')) recordHistory(room, reflected, ctx.service.now(), ctx.service.maxHistoryChars);
}
