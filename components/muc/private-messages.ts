// Private messages (XEP-0045 §7.5): a message to room/nick goes to that occupant's real JID, from
// the sender's room/nick, marked with <x xmlns='…muc#user'/>. Groupchat messages to a nick are
// refused (bad-request, §7.5), as are senders who are not occupants (not-acceptable).
import { checkFlood } from './flood-control.js';
import type { RoomContext } from './muc-context.js';
import { NS_MUC_USER } from './namespaces.js';
import { occupantIdElement, stripOccupantIds } from './occupant-id.js';
import { occupantByRealJid, occupantJid, sessionsOf } from './room.js';
import { cloneElement, refuse, xml, type XmlElement } from './xml.js';

export async function handlePrivateMessage(ctx: RoomContext, message: XmlElement, nick: string): Promise<void> {
  const { room } = ctx;
  if (message.attrs.type === 'groupchat') refuse('modify', 'bad-request', 'Groupchat messages go to the room, not to a nick');
  const sender = occupantByRealJid(room, message.attrs.from ?? '');
  if (!sender) refuse('modify', 'not-acceptable', 'Only occupants may send private messages');
  const target = room.occupants.get(nick);
  if (!target) refuse('cancel', 'item-not-found', 'No occupant has that nickname');
  checkFlood(ctx.room, sender, ctx.service.flood, ctx.service.now());
  const out = cloneElement(message);
  out.attrs.from = occupantJid(room, sender.nick);
  stripOccupantIds(out);
  if (!out.getChild('x', NS_MUC_USER)) out.append(xml('x', { xmlns: NS_MUC_USER }));
  out.append(occupantIdElement(sender.occupantId));
  for (const to of sessionsOf(target)) {
    const copy = cloneElement(out);
    copy.attrs.to = to;
    ctx.send(copy);
  }
}

