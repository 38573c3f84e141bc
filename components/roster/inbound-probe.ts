// A presence probe from a remote contact's server to a local user (RFC 6121 §4.3.2), handed over
// by the router as subscription presence is (docs/roster-delegation.md §4, docs/s2s.md). Only a
// contact the user shares presence with (subscription from or both) gets an answer: the component
// sends the probe on the prober's behalf and the router answers it with the user's presence
// (shared/router/presence-broadcast.ts answerProbe). Anyone else learns nothing (§4.3.2: the
// server MUST NOT reveal presence to an entity that is not subscribed).
import { parseJid } from '../../shared/jid.js';
import { xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';
import { isLocalUser, sendOnBehalf, type HandlerContext } from './roster-context.js';
import { findItem } from './roster-items.js';
import { hasFrom } from './subscription-states.js';

export function isInboundProbe(presence: XmlElement | undefined): presence is XmlElement {
  return presence?.name === 'presence' && presence.attrs.type === 'probe';
}

export async function handleInboundProbe(ctx: HandlerContext, probe: XmlElement): Promise<void> {
  const prober = parseJid(probe.attrs.from ?? '');
  const user = parseJid(probe.attrs.to ?? '');
  if (!prober || !isLocalUser(ctx, user)) return;
  const item = findItem(await ctx.rosters.get(user.bare), prober.bare);
  if (!item || !hasFrom(item.subscription)) {
    ctx.log.debug({ from: prober.full, to: user.bare }, 'roster: probe from a contact without a subscription, not answered');
    return;
  }
  sendOnBehalf(ctx, xml('presence', { type: 'probe', from: prober.full, to: user.bare }));
}
