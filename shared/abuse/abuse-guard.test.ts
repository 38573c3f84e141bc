import { createLogger } from '../log.js';
import { AbuseGuard } from './abuse-guard.js';
import { parsePolicy, type AbusePolicy } from './policy.js';
import type { LivePolicy } from './policy-store.js';

/** A guard on an in-memory live policy whose changes are pushed by hand. */
function guardOn(initial: unknown) {
  const listeners: Array<(p: AbusePolicy) => void> = [];
  const live = { current: parsePolicy(initial), onChange: (l: (p: AbusePolicy) => void) => listeners.push(l), stop: () => {} };
  const guard = new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent'));
  return { guard, change: (next: unknown) => listeners.forEach((l) => l(parsePolicy(next))) };
}

test('an account locked out by failed logins stays locked when another rule changes', async () => {
  const rules = { 'failed-logins-per-account': { points: 2, durationSeconds: 600, blockSeconds: 600 } };
  const { guard, change } = guardOn({ rules });
  for (let i = 0; i < 3; i++) await guard.loginFailed('192.0.2.1', 'bob@example.org');
  expect(await guard.accountLocked('bob@example.org')).toMatchObject({ rule: 'failed-logins-per-account' });
  change({ rules: { ...rules, 'logins-per-ip': { points: 5 } } });
  expect(await guard.accountLocked('bob@example.org')).toMatchObject({ rule: 'failed-logins-per-account' });
  expect(await guard.accountLocked('carol@example.org')).toBeUndefined();
});

test('connections per address: refused over budget, other addresses and allow-listed ones are not', async () => {
  const { guard } = guardOn({ rules: { 'connections-per-ip': { points: 2, durationSeconds: 60 } }, allowIps: ['198.51.100.0/24'] });
  expect(await guard.admitConnection('192.0.2.1')).toBeUndefined();
  expect(await guard.admitConnection('::ffff:192.0.2.1')).toBeUndefined();
  expect(await guard.admitConnection('192.0.2.1')).toMatchObject({ rule: 'connections-per-ip' });
  expect(await guard.admitConnection('192.0.2.2')).toBeUndefined();
  for (let i = 0; i < 5; i++) expect(await guard.admitConnection('198.51.100.9')).toBeUndefined();
});

test('connections open at once are counted until they close', async () => {
  const { guard } = guardOn({ rules: { 'concurrent-connections-per-ip': { points: 1 } } });
  expect(await guard.admitConnection('192.0.2.1')).toBeUndefined();
  expect(await guard.admitConnection('192.0.2.1')).toMatchObject({ rule: 'concurrent-connections-per-ip' });
  guard.connectionClosed('192.0.2.1');
  expect(await guard.admitConnection('192.0.2.1')).toBeUndefined();
});

test('a banned range is refused until its ban ends, even when allow-listed', async () => {
  const until = new Date(Date.now() + 60_000).toISOString();
  const { guard } = guardOn({ allowIps: ['203.0.113.0/24'], bans: [{ range: '203.0.113.0/24', until, reason: 'flood' }, { range: '192.0.2.0/24', until: new Date(Date.now() - 1000).toISOString(), reason: '' }] });
  expect(await guard.admitConnection('203.0.113.5')).toMatchObject({ rule: 'ip-ban' });
  expect(await guard.admitLogin('203.0.113.5')).toMatchObject({ rule: 'ip-ban' });
  expect(await guard.admitConnection('192.0.2.5')).toBeUndefined();
});
