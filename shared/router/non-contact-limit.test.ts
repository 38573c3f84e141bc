import { Element } from 'ltx';
import { createLogger } from '../log.js';
import { AbuseGuard } from '../abuse/abuse-guard.js';
import { parsePolicy } from '../abuse/policy.js';
import type { LivePolicy } from '../abuse/policy-store.js';
import { parseJid } from '../jid.js';
import { NS } from '../xml/namespaces.js';
import { NonContactLimit } from './non-contact-limit.js';
import type { Router } from './router.js';
import type { RoutedSession } from './session.js';

/** The limit on a router that only records what it routes, with one user whose (empty) roster was seen. */
function limitWith(points: number) {
  const delivered: Element[] = [];
  const session = { id: 's1', jid: parseJid('erin@example.org/phone')!, deliver: (stanza: Element) => delivered.push(stanza) } as unknown as RoutedSession;
  const routed: string[] = [];
  const router = {
    domain: 'example.org',
    sessions: { resourcesOf: () => [session] },
    components: { isConnected: () => false },
    routeMessage: (_s: RoutedSession, stanza: Element) => routed.push(stanza.attrs.id),
  } as unknown as Router;
  const live = { current: parsePolicy({ rules: { 'messages-to-non-contacts': { points, durationSeconds: 60, blockSeconds: 60 } } }), onChange: () => {}, stop: () => {} };
  const limit = new NonContactLimit(router, new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent')));
  limit.rosterSeen('erin@example.org', new Element('query', { xmlns: NS.roster }), true);
  /** One message to a stranger, as Router.fromClient passes it: routed now unless the limit holds it. */
  const send = (id: string) => {
    const stanza = new Element('message', { type: 'chat', id, from: session.jid.full, to: 'stranger@example.org' }).c('body').t('hi').up();
    if (!limit.holds(session, stanza, parseJid('stranger@example.org')!)) router.routeMessage(session, stanza, undefined);
  };
  return { send, routed, delivered };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('messages to strangers admitted from local credit are routed in the same turn, in order', async () => {
  const { send, routed } = limitWith(100);
  send('m1'); // nothing known: a consume, routed once it answers
  send('m2'); // waits for that consume too
  expect(routed).toEqual([]);
  await settle();
  expect(routed).toEqual(['m1', 'm2']);
  for (let i = 3; i < 12; i++) send(`m${i}`); // a chunk of ten was reserved for m2: the next nine go now
  expect(routed).toHaveLength(11);
  send('m12');
  expect(routed).toHaveLength(11); // the chunk is spent: the next one waits for a consume
  await settle();
  expect(routed.at(-1)).toBe('m12');
});

test('over the budget a message to a stranger gets policy-violation and is not routed', async () => {
  const { send, routed, delivered } = limitWith(2);
  for (const id of ['m1', 'm2', 'm3']) send(id);
  await settle();
  expect(routed).toEqual(['m1', 'm2']);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]!.attrs).toMatchObject({ type: 'error', id: 'm3' });
  expect(delivered[0]!.getChild('error')!.getChild('policy-violation')).toBeDefined();
});
