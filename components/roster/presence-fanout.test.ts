// Broadcast presence fan-out to contacts (RFC 6121 §4, docs/roster-delegation.md §3).
import type { Roster, RosterStore } from '../../shared/storage/types.js';
import { MemoryRosterStore } from './test-support/memory-roster-store.js';
import { createHarness } from './test-support/roster-harness.js';

const JULIET = 'juliet@localhost';
const BALCONY = 'juliet@localhost/balcony';

const JULIETS_ROSTER: Roster = {
  version: 9,
  items: [
    { jid: 'romeo@localhost', subscription: 'both', groups: [] },
    { jid: 'nurse@localhost', subscription: 'from', groups: [] },
    { jid: 'tybalt@localhost', subscription: 'to', groups: [] },
    { jid: 'friar@localhost', subscription: 'none', ask: 'subscribe', groups: [] },
    { jid: 'mercutio@example.net', subscription: 'both', groups: [] },
    { jid: 'pubsub.localhost', subscription: 'both', groups: [] },
  ],
  pendingIn: [{ jid: 'paris@localhost', status: 'Marry me' }, { jid: 'benvolio@localhost' }],
};

async function withJuliet() {
  const h = createHarness();
  await h.rosters.putMany([{ owner: JULIET, roster: JULIETS_ROSTER }]);
  return h;
}

test('available presence goes to from/both contacts only, from the full JID, without the initial marker', async () => {
  const h = await withJuliet();
  await h.broadcast(BALCONY, { payload: '<show>away</show><status>Zzz</status><priority>5</priority>' });
  expect(h.presences()).toEqual([
    `available ${BALCONY} -> romeo@localhost`,
    `available ${BALCONY} -> nurse@localhost`,
    `available ${BALCONY} -> mercutio@example.net`, // a remote contact: the router federates it (docs/s2s.md)
    `available ${BALCONY} -> pubsub.localhost`,
  ]);
  const copy = h.presenceStanzas()[0];
  expect(copy.toString()).toBe(
    `<presence from="${BALCONY}" to="romeo@localhost" xmlns="jabber:client"><show>away</show><status>Zzz</status><priority>5</priority></presence>`,
  );
});

test('initial presence also probes to/both contacts and re-delivers pending subscription requests to that resource', async () => {
  const h = await withJuliet();
  await h.broadcast(BALCONY, { initial: true, payload: '<priority>1</priority>' });
  expect(h.presences()).toEqual([
    `available ${BALCONY} -> romeo@localhost`,
    `available ${BALCONY} -> nurse@localhost`,
    `available ${BALCONY} -> mercutio@example.net`,
    `available ${BALCONY} -> pubsub.localhost`,
    `probe ${BALCONY} -> romeo@localhost`,
    `probe ${BALCONY} -> tybalt@localhost`,
    `probe ${BALCONY} -> mercutio@example.net`,
    `probe ${BALCONY} -> pubsub.localhost`,
    `subscribe paris@localhost -> ${BALCONY}`,
    `subscribe benvolio@localhost -> ${BALCONY}`,
  ]);
  expect(h.presenceStanzas().some((p) => p.toString().includes('initial'))).toBe(false);
  expect(h.presenceStanzas()[8].getChildText('status')).toBe('Marry me');
});

test('a later available presence does not probe again', async () => {
  const h = await withJuliet();
  await h.broadcast(BALCONY, { payload: '<show>dnd</show>' });
  expect(h.presences().filter((p) => !p.startsWith('available'))).toEqual([]);
});

test('unavailable presence goes to from/both contacts', async () => {
  const h = await withJuliet();
  await h.broadcast(BALCONY, { type: 'unavailable', payload: '<status>Bye</status>' });
  expect(h.presences()).toEqual([
    `unavailable ${BALCONY} -> romeo@localhost`,
    `unavailable ${BALCONY} -> nurse@localhost`,
    `unavailable ${BALCONY} -> mercutio@example.net`,
    `unavailable ${BALCONY} -> pubsub.localhost`,
  ]);
});

test('presence from a JID that is not a local user\'s resource is not fanned out', async () => {
  const h = await withJuliet();
  await h.broadcast('mercutio@example.net/x');
  await h.broadcast(JULIET); // no resource: not a session's presence
  expect(h.presences()).toEqual([]);
});

test('a user without a roster sends nothing', async () => {
  const h = createHarness();
  await h.broadcast('nobody@localhost/r', { initial: true });
  expect(h.sent).toEqual([]);
});

/** A store whose reads take longer the earlier they are asked for. */
class SlowStore extends MemoryRosterStore implements RosterStore {
  private delays = [40, 5];
  override async get(owner: string): Promise<Roster> {
    const delay = this.delays.shift() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, delay));
    return super.get(owner);
  }
}

test('two concurrent presences for the same user are processed in order', async () => {
  const h = createHarness({ rosters: new SlowStore() });
  await h.rosters.putMany([{ owner: JULIET, roster: { version: 1, items: [{ jid: 'romeo@localhost', subscription: 'from', groups: [] }], pendingIn: [] } }]);
  await Promise.all([
    h.broadcast(BALCONY, { payload: '<status>first</status>' }),
    h.broadcast(BALCONY, { payload: '<status>second</status>' }),
  ]);
  expect(h.presenceStanzas().map((p) => p.getChildText('status'))).toEqual(['first', 'second']);
});
