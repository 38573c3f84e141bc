import { UserRateLimit } from './user-rate-limit.js';

test('a user gets the burst at once, then the rate; other users have their own budget', () => {
  const refused: string[] = [];
  const limit = new UserRateLimit('test-rule', { perMinute: 60, burst: 3 }, (user) => refused.push(user));
  expect([0, 0, 0, 0].map(() => limit.take('alice@example.org', 0))).toEqual([true, true, true, false]);
  expect(limit.retryAfterSeconds('alice@example.org')).toBe(1);
  expect(limit.take('bob@example.org', 0)).toBe(true);
  expect(limit.take('alice@example.org', 1000)).toBe(true); // one a second refills
  expect(refused).toEqual(['alice@example.org']);
});

test('perMinute 0 turns the limit off; the buckets stay bounded', () => {
  expect(Array.from({ length: 10 }, () => new UserRateLimit('r', { perMinute: 0, burst: 1 }).take('a', 0))).not.toContain(false);
  const limit = new UserRateLimit('r', { perMinute: 1, burst: 1 }, undefined, 2);
  for (const user of ['a', 'b', 'c', 'd']) expect(limit.take(user, 0)).toBe(true);
  expect(limit.take('a', 0)).toBe(true); // 'a' was dropped (oldest) to keep at most two buckets
});
