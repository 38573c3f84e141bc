// muc#admin queries (XEP-0045 §8–§10): a get asks for the list of one role or affiliation, a set
// carries one or more items changing roles (by nick) or affiliations (by JID, or by nick of an
// occupant). Every item is checked before any is applied, so a set is all or nothing (§9.5).
import { parseJid } from '../../shared/jid.js';
import { applyAffiliationChange, checkAffiliationChange, isAffiliation, jidsWithAffiliation, type AffiliationChange } from './affiliations.js';
import type { RoomContext } from './muc-context.js';
import { NS_MUC_ADMIN } from './namespaces.js';
import { affiliationOf, occupantByRealJid } from './room.js';
import { applyRoleChange, checkRoleChange, isRole, moderatorOf, occupantsWithRole, type RoleChange } from './roles.js';
import { iqResult, refuse, xml, type XmlElement } from './xml.js';

export async function handleAdminGet(ctx: RoomContext, iq: XmlElement, query: XmlElement): Promise<XmlElement> {
  const item = query.getChild('item');
  const from = iq.attrs.from ?? '';
  const fromBare = from.split('/')[0]!;
  if (item && isAffiliation(item.attrs.affiliation) && item.attrs.affiliation !== 'none') {
    const affiliation = item.attrs.affiliation;
    const jids = jidsWithAffiliation(ctx, fromBare, affiliation);
    return iqResult(iq, xml('query', { xmlns: NS_MUC_ADMIN }, jids.map((jid) => xml('item', { affiliation, jid, nick: ctx.room.reservedNicks.get(jid) }))));
  }
  if (item && isRole(item.attrs.role) && item.attrs.role !== 'none') {
    moderatorOf(ctx, from);
    const occupants = occupantsWithRole(ctx, item.attrs.role);
    return iqResult(
      iq,
      xml('query', { xmlns: NS_MUC_ADMIN }, occupants.map((o) => xml('item', { role: o.role, nick: o.nick, jid: o.realJid, affiliation: affiliationOf(ctx.room, o.realBare) }))),
    );
  }
  refuse('modify', 'bad-request', 'Ask for one role or one affiliation');
}

export async function handleAdminSet(ctx: RoomContext, iq: XmlElement, query: XmlElement): Promise<XmlElement> {
  const from = iq.attrs.from ?? '';
  const fromBare = from.split('/')[0]!;
  const items = query.getChildren('item');
  if (items.length === 0) refuse('modify', 'bad-request', 'No item');
  const actor = occupantByRealJid(ctx.room, from);
  const planned: Array<() => void> = [];
  let affiliationsChanged = false;
  for (const item of items) {
    const reason = item.getChildText('reason') ?? undefined;
    if (item.attrs.affiliation !== undefined) {
      if (!isAffiliation(item.attrs.affiliation)) refuse('modify', 'bad-request', 'Unknown affiliation');
      const bare = item.attrs.jid ? parseJid(item.attrs.jid)?.bare : item.attrs.nick ? ctx.room.occupants.get(item.attrs.nick)?.realBare : undefined;
      if (!bare) refuse('modify', 'bad-request', 'An affiliation item needs a valid jid (or the nick of an occupant)');
      const change: AffiliationChange = { jid: bare, affiliation: item.attrs.affiliation, reason };
      checkAffiliationChange(ctx, fromBare, change);
      affiliationsChanged = true;
      planned.push(() => applyAffiliationChange(ctx, actor, change));
    } else if (item.attrs.role !== undefined) {
      if (!isRole(item.attrs.role) || !item.attrs.nick) refuse('modify', 'bad-request', 'A role item needs a known role and a nick');
      const moderator = moderatorOf(ctx, from);
      const change: RoleChange = { nick: item.attrs.nick, role: item.attrs.role, reason };
      const target = checkRoleChange(ctx, moderator, change);
      planned.push(() => applyRoleChange(ctx, moderator, target, change));
    } else {
      refuse('modify', 'bad-request', 'An item needs a role or an affiliation');
    }
  }
  for (const apply of planned) apply();
  if (affiliationsChanged) await ctx.save();
  return iqResult(iq);
}
