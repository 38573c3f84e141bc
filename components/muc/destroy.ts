// Destroying a room (XEP-0045 §10.9): an owner sends <destroy/> in a muc#owner set; every
// occupant gets unavailable presence with affiliation and role none and the <destroy/> element
// (alternate venue, password, reason), then the room is gone from memory and storage.
import { occupantPresence } from './broadcast.js';
import type { RoomContext } from './muc-context.js';
import { sessionsOf } from './room.js';
import { assertOwner } from './room-config-form.js';
import { iqResult, xml, type XmlElement } from './xml.js';

export async function destroyRoom(ctx: RoomContext, iq: XmlElement, destroy: XmlElement): Promise<XmlElement> {
  assertOwner(ctx, iq);
  const { room } = ctx;
  const reason = destroy.getChildText('reason');
  const password = destroy.getChildText('password');
  const notice = () =>
    xml('destroy', { jid: destroy.attrs.jid }, reason !== null ? xml('reason', {}, reason) : null, password !== null ? xml('password', {}, password) : null);
  for (const occupant of room.occupants.values()) {
    for (const to of sessionsOf(occupant)) {
      const presence = occupantPresence(room, occupant, occupant, { type: 'unavailable', xChildren: [notice()] }, to);
      presence.getChild('x')!.getChild('item')!.attrs.affiliation = 'none';
      ctx.send(presence);
    }
  }
  room.occupants.clear();
  room.nickOf.clear();
  await ctx.forget();
  return iqResult(iq);
}
