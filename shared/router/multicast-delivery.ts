// XEP-0033 extended stanza addressing, as the server's multicast service for components: a
// component sends one stanza to the server's domain with an <addresses/> list, and the router
// delivers a copy to each address. A MUC room of 500 occupants then crosses the XEP-0114 link
// (and the router's parser) once per message instead of 500 times.
//
// Only components may use it (a client could turn it into a spam amplifier), and the list is
// bounded. Copies share the payload's children: nothing on the delivery path changes them for the
// stanza kinds components multicast (groupchat messages, presence), and they are serialised once
// for all copies (multicast-copy.ts).
import { Element } from 'ltx';
import { parseJid, type Jid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import type { Router } from './router.js';
import { MulticastCopy, SharedPayload } from './multicast-copy.js';

/** Most addresses one multicast stanza may carry (XEP-0033 §5 lets a service set its limit). */
export const MAX_MULTICAST_ADDRESSES = 5000;

/** Delivers a component's multicast stanza; false when the stanza is not one (route it as usual). */
export function deliverMulticast(router: Router, stanza: Element): boolean {
  if (stanza.name === 'iq') return false;
  const addresses = stanza.getChild('addresses', NS.address);
  if (!addresses) return false;
  const list = addresses.getChildren('address');
  if (list.length > MAX_MULTICAST_ADDRESSES) {
    router.bounce(stanza, 'policy-violation', `At most ${MAX_MULTICAST_ADDRESSES} addresses per stanza`);
    return true;
  }
  // §4.3: blind copies vanish; to/cc stay, marked delivered, so recipients see who else got it.
  const shown = list.filter((a) => a.attrs.type === 'to' || a.attrs.type === 'cc');
  const payload = stanza.children.filter((c) => c !== addresses);
  if (shown.length > 0) {
    const kept = new Element('addresses', { xmlns: NS.address });
    for (const a of shown) kept.cnode(new Element('address', { ...a.attrs, delivered: 'true' }));
    payload.push(kept);
  }
  const shared = new SharedPayload(stanza.name, stanza.attrs, payload as Array<Element | string>);
  for (const address of list) {
    const type = address.attrs.type;
    if (type !== 'bcc' && type !== 'to' && type !== 'cc') continue;
    const to = recipientJid(router, address.attrs.jid);
    if (to) router.route(MulticastCopy.of(shared, to.full), to);
  }
  return true;
}

/**
 * The address's JID, parsed. A room's addresses are the full JIDs its occupants joined from, so
 * most name a session bound here exactly: its JID is that one already parsed and normalised.
 */
function recipientJid(router: Router, jid: string | undefined): Jid | undefined {
  if (!jid) return undefined;
  return router.sessions.get(jid)?.jid ?? parseJid(jid);
}
