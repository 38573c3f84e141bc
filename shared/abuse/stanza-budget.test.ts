import { createLogger } from '../log.js';
import { AbuseGuard } from './abuse-guard.js';
import { parsePolicy, type RuleAction } from './policy.js';
import type { LivePolicy } from './policy-store.js';
import { PASS, REFUSE, StanzaBudget } from './stanza-budget.js';

function guardWith(points: number, action: RuleAction): AbuseGuard {
  const live = { current: parsePolicy({ rules: { 'stanzas-per-session': { points, durationSeconds: 3600, action } } }), onChange: () => {}, stop: () => {} };
  return new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent'));
}

test('within budget stanzas pass, then a refuse rule refuses at once', () => {
  const budget = new StanzaBudget(guardWith(4, 'refuse'), 'alice@example.org/a');
  expect(Array.from({ length: 6 }, () => budget.take())).toEqual([PASS, PASS, PASS, PASS, REFUSE, REFUSE]);
});

test('a delay rule delays the excess (up to half a budget), then refuses', () => {
  const budget = new StanzaBudget(guardWith(4, 'delay'), 'alice@example.org/a');
  const takes = Array.from({ length: 8 }, () => budget.take());
  expect(takes.slice(0, 4)).toEqual([PASS, PASS, PASS, PASS]);
  expect(takes[4]).toBeGreaterThan(0); // one token refills in 900 s: the first excess waits about that long
  expect(takes[5]).toBeGreaterThan(takes[4]!);
  expect(takes.slice(6)).toEqual([REFUSE, REFUSE]);
});

test('a policy change reaches an existing budget at its next stanza', () => {
  const guard = guardWith(2, 'refuse');
  const budget = new StanzaBudget(guard, 'alice@example.org/a');
  expect([budget.take(), budget.take(), budget.take()]).toEqual([PASS, PASS, REFUSE]);
  guard.policy = parsePolicy({ rules: { 'stanzas-per-session': { enabled: false } } });
  expect(budget.take()).toBe(PASS);
});
