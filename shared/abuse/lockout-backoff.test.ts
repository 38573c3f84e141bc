import { jest } from '@jest/globals';
import { createLogger } from '../log.js';
import { AbuseGuard } from './abuse-guard.js';
import { lockoutSeconds } from './lockout-backoff.js';
import { parsePolicy } from './policy.js';
import type { LivePolicy } from './policy-store.js';

function guardOn(initial: unknown): AbuseGuard {
  const live = { current: parsePolicy(initial), onChange: () => {}, stop: () => {} };
  return new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent'));
}

const ACCOUNT = 'mallory@example.org';
const rules = { 'failed-logins-per-account': { points: 2, durationSeconds: 600, blockSeconds: 10, maxBlockSeconds: 35, backoffResetSeconds: 100 } };

/** Three failed logins (one over the budget of two): the account's next lockout starts. */
async function failThrice(guard: AbuseGuard): Promise<number | undefined> {
  for (let i = 0; i < 3; i++) await guard.loginFailed(undefined, ACCOUNT);
  return (await guard.accountLocked(ACCOUNT))?.retryAfterSeconds;
}

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-26T00:00:00Z') }));
afterEach(() => jest.useRealTimers());

test('each lockout of the same account lasts twice the one before, bounded by maxBlockSeconds', async () => {
  const guard = guardOn({ rules });
  const lengths: Array<number | undefined> = [];
  for (let round = 0; round < 4; round++) {
    const length = await failThrice(guard);
    lengths.push(length);
    jest.advanceTimersByTime((length ?? 0) * 1000 + 100); // the lockout ends
    expect(await guard.accountLocked(ACCOUNT)).toBeUndefined();
  }
  expect(lengths).toEqual([10, 20, 35, 35]);
});

test('after a clean period as long as backoffResetSeconds the lockout is back to blockSeconds', async () => {
  const guard = guardOn({ rules });
  expect(await failThrice(guard)).toBe(10);
  jest.advanceTimersByTime(10_100);
  expect(await failThrice(guard)).toBe(20);
  jest.advanceTimersByTime(20_000 + 100_000 + 100); // the lockout, then 100 s without one
  expect(await failThrice(guard)).toBe(10);
});

test('another account, and a rule without backoff, keep the plain lockout', async () => {
  const guard = guardOn({ rules });
  await failThrice(guard);
  jest.advanceTimersByTime(10_100);
  for (let i = 0; i < 3; i++) await guard.loginFailed(undefined, 'alice@example.org');
  expect((await guard.accountLocked('alice@example.org'))?.retryAfterSeconds).toBe(10);
  const rule = parsePolicy({ rules }).rules['failed-logins-per-account'];
  expect(lockoutSeconds({ ...rule, maxBlockSeconds: 0 }, 5)).toBe(10);
  expect(lockoutSeconds(rule, 2)).toBe(20);
});
