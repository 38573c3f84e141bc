// IQs between occupants (XEP-0045 §7.5 and §17.2 "IQ"): a get or set to room/nick goes to that
// occupant's real JID from the sender's room/nick, and its answer comes back the same way. The
// id is kept as it is (as Prosody does), so the room keeps no state per request; senders that
// are not occupants get not-acceptable, unknown nicks item-not-found.
// XEP-0410 MUC self-ping: a ping to one's own room/nick is answered by the room itself
// (not-acceptable when the sender is not, or no longer, that occupant).
import type { RoomContext } from './muc-context.js';
import { occupantByRealJid, occupantJid } from './room.js';
import { cloneElement, iqResult, refuse, type XmlElement } from './xml.js';

export const SELF_PING_FEATURE = 'http://jabber.org/protocol/muc#self-ping-optimization';

export async function handleOccupantIq(ctx: RoomContext, iq: XmlElement, nick: string): Promise<void> {
  const { room } = ctx;
  const sender = occupantByRealJid(room, iq.attrs.from ?? '');
  const target = room.occupants.get(nick);
  const request = iq.attrs.type === 'get' || iq.attrs.type === 'set';
  if (!sender) {
    if (request) refuse('modify', 'not-acceptable', 'Only occupants may send IQs to occupants');
    return;
  }
  if (sender.nick === nick && iq.attrs.type === 'get' && iq.getChild('ping', 'urn:xmpp:ping')) {
    ctx.send(iqResult(iq)); // XEP-0410 §3.2
    return;
  }
  if (!target) {
    if (request) refuse('cancel', 'item-not-found', 'No occupant has that nickname');
    return;
  }
  const out = cloneElement(iq);
  out.attrs.from = occupantJid(room, sender.nick);
  out.attrs.to = target.realJid;
  ctx.send(out);
}
