// Two logged-in clients (bare JIDs `aJid`, `bJid`) send their initial presence and become mutual
// contacts the way users do it (RFC 6121 §3: subscribe and subscribed, both ways); then `a` sends
// `aPresence`, and resolves once `b` has seen it.
import { xml } from '@xmpp/client';
import { nextStanza } from './next-stanza.js';

type Client = { send(el: unknown): Promise<unknown>; on(e: string, f: (el: any) => void): unknown; off(e: string, f: (el: any) => void): unknown };

export async function makeMutualContacts(a: Client, aJid: string, b: Client, bJid: string, aPresence = xml('presence')): Promise<void> {
  await a.send(xml('presence'));
  await b.send(xml('presence'));
  await new Promise((r) => setTimeout(r, 300));
  const toA = nextStanza(a, (el) => el.is('presence') && el.attrs.type === 'subscribe', 8000);
  await b.send(xml('presence', { to: aJid, type: 'subscribe' }));
  await toA;
  const toB = nextStanza(b, (el) => el.is('presence') && el.attrs.type === 'subscribe', 8000);
  await a.send(xml('presence', { to: bJid, type: 'subscribed' }));
  await a.send(xml('presence', { to: bJid, type: 'subscribe' }));
  await toB;
  const aSeen = nextStanza(b, (el) => el.is('presence') && el.attrs.from?.startsWith(`${aJid}/`) && !el.attrs.type, 8000);
  await b.send(xml('presence', { to: aJid, type: 'subscribed' }));
  await a.send(aPresence); // broadcast now that b is subscribed
  await aSeen;
}
