// Probes from remote contacts' servers (RFC 6121 §4.3.2, docs/s2s.md).
import { createHarness } from './test-support/roster-harness.js';

const JULIET = 'juliet@localhost';

async function julietWith(subscription: 'none' | 'to' | 'from' | 'both') {
  const h = createHarness();
  await h.rosters.putMany([{ owner: JULIET, roster: { version: 1, items: [{ jid: 'mercutio@example.net', subscription, groups: [] }], pendingIn: [] } }]);
  return h;
}

test.each(['from', 'both'] as const)('a probe from a contact with subscription %s is passed on for the router to answer', async (subscription) => {
  const h = await julietWith(subscription);
  await h.subscription('mercutio@example.net/verona', JULIET, 'probe');
  expect(h.presences()).toEqual([`probe mercutio@example.net/verona -> ${JULIET}`]);
});

test.each(['none', 'to'] as const)('a probe from a contact with subscription %s reveals nothing', async (subscription) => {
  const h = await julietWith(subscription);
  await h.subscription('mercutio@example.net/verona', JULIET, 'probe');
  expect(h.presences()).toEqual([]);
});

test('a probe from a stranger reveals nothing', async () => {
  const h = createHarness();
  await h.subscription('tybalt@example.net', JULIET, 'probe');
  expect(h.presences()).toEqual([]);
});
