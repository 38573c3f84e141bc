// Message Carbons (XEP-0280 v1.0, namespace urn:xmpp:carbons:2): a user's resources that enabled
// carbons get a copy of the chats their other resources send and receive, so every device of a
// user shows the whole conversation.
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import { wrapForwarded } from '../../xml/forwarding.js';
import type { Router } from '../router.js';
import type { RoutedSession } from '../session.js';
import { StanzaError } from '../server-iq.js';

export const CARBONS = 'urn:xmpp:carbons:2';
const HINTS = 'urn:xmpp:hints';

export function installCarbons(router: Router): void {
  router.serverIq.features.add(CARBONS);
  // XEP-0280 §4: <enable/> and <disable/>, sent to the user's own account (or the server).
  router.serverIq.handle(`iq/set/${CARBONS}`, ({ payload, from }) => {
    if (payload.name !== 'enable' && payload.name !== 'disable') throw new StanzaError('bad-request');
    const session = router.sessions.get(from.full);
    if (!session) throw new StanzaError('not-allowed');
    session.presence.carbons = payload.name === 'enable';
    router.sessions.presenceChanged?.(session); // a fleet's other nodes copy to it (docs/cluster.md)
    return undefined;
  });
}

/** XEP-0280 §6: chat messages, and normal ones with a body, are copied; private and no-copy ones are not. */
export function isCarbonEligible(message: Element): boolean {
  const type = message.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  // One pass over the children (getChild builds an array and resolves namespaces per call).
  let body = false;
  for (const child of message.children) {
    if (!(child instanceof Element)) continue;
    const ns = child.attrs.xmlns;
    if (ns === CARBONS) {
      if (child.name === 'private' || child.name === 'received' || child.name === 'sent') return false;
    } else if (ns === HINTS) {
      if (child.name === 'no-copy') return false;
    } else if (child.name === 'body') body = true;
  }
  return type === 'chat' || body;
}

function carbon(kind: 'sent' | 'received', bare: string, to: RoutedSession, message: Element): Element {
  const wrapper = new Element('message', { from: bare, to: to.jid.full, type: message.attrs.type ?? 'normal' });
  const forwarded = wrapForwarded('privilege', message).getChild('forwarded', NS.forward)!;
  wrapper.c(kind, { xmlns: CARBONS }).cnode(forwarded);
  return wrapper;
}

/** §7: copies of a message a resource sent, to the sender's other carbons-enabled resources. */
export function sendSentCarbons(router: Router, sender: RoutedSession, message: Element): void {
  const resources = router.sessions.resourcesOf(sender.jid.bare);
  // Most users have one resource: the eligibility check only when someone could get a copy.
  if (resources.length < 2 || !isCarbonEligible(message)) return;
  for (const s of resources) {
    if (s !== sender && s.presence.carbons && s.jid.full !== message.attrs.to) s.deliver(carbon('sent', sender.jid.bare, s, message));
  }
}

/** §6: copies of a received message, to the recipient's carbons-enabled resources that did not get it. */
export function sendReceivedCarbons(router: Router, bare: string, message: Element, deliveredTo: readonly RoutedSession[]): void {
  const resources = router.sessions.resourcesOf(bare);
  if (resources.every((s) => deliveredTo.includes(s)) || !isCarbonEligible(message)) return;
  for (const s of resources) {
    if (s.presence.carbons && !deliveredTo.includes(s)) s.deliver(carbon('received', bare, s, message));
  }
}
