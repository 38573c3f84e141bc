import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { createLogger } from '../log.js';
import { AbuseGuard } from './abuse-guard.js';
import { LocalCredit, type CreditLimiter } from './local-credit.js';
import { parsePolicy, type AbusePolicy } from './policy.js';
import type { LivePolicy } from './policy-store.js';

/** A memory limiter (the insurance limiter's kind, and the one-node one) that counts its consumes. */
function limiter(points: number, duration = 60, blockDuration = 0) {
  const inner = new RateLimiterMemory({ points, duration, blockDuration });
  const calls: number[] = [];
  const counted: CreditLimiter = {
    points,
    consume: (key, n) => {
      calls.push(n);
      return inner.consume(key, n);
    },
  };
  return { limiter: counted, inner, calls };
}

/** One action: credit spent now, or a reservation (true: admitted). */
async function act(credit: LocalCredit, l: CreditLimiter, key: string): Promise<boolean> {
  return credit.spend(key) || (await credit.take(l, key)) === undefined;
}

test('a key gets exactly its budget through chunks of a tenth, with one consume per chunk', async () => {
  const { limiter: l, inner, calls } = limiter(100);
  const credit = new LocalCredit();
  const admitted: boolean[] = [];
  for (let i = 0; i < 130; i++) admitted.push(await act(credit, l, 'alice@example.org'));
  expect(admitted.filter(Boolean)).toHaveLength(100);
  expect(admitted.slice(0, 100).every(Boolean)).toBe(true);
  expect((await inner.get('alice@example.org'))!.consumedPoints).toBe(100 + 30); // never reserved beyond what remained: each refusal is one point
  expect(calls.slice(0, 12)).toEqual([1, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 1]); // a plain consume first, then chunks within what remains
  expect(await act(credit, l, 'bob@example.org')).toBe(true); // another key has its own budget
});

test('two holders of one limiter (two gateways, one Redis) never grant more than the budget together', async () => {
  const { limiter: l } = limiter(50);
  const gateways = [new LocalCredit(), new LocalCredit()];
  let admitted = 0;
  for (let i = 0; i < 200; i++) if (await act(gateways[i % 3 === 0 ? 0 : 1]!, l, 'erin@example.org')) admitted++;
  expect(admitted).toBe(50);
});

test('a chunk that overshoots (another holder took points meanwhile) grants only what was left', async () => {
  const { limiter: l, inner } = limiter(20);
  const credit = new LocalCredit();
  expect(await act(credit, l, 'k')).toBe(true); // remaining 19 known: next chunk is 2
  await inner.consume('k', 18); // another gateway takes 18: 1 left
  expect(await act(credit, l, 'k')).toBe(true); // the chunk of 2 went over: 1 of it granted, no credit
  expect(credit.spend('k')).toBe(false);
  expect(await act(credit, l, 'k')).toBe(false);
});

test('over budget the refusal carries the limiter retry-after (the block when there is one)', async () => {
  const { limiter: l } = limiter(3, 60, 120);
  const credit = new LocalCredit();
  for (let i = 0; i < 3; i++) expect(await act(credit, l, 'k')).toBe(true);
  const ms = await credit.take(l, 'k');
  expect(ms).toBeGreaterThan(119_000);
  expect(ms).toBeLessThanOrEqual(120_000);

  const guard = guardOn({ rules: { 'messages-to-non-contacts': { points: 2, durationSeconds: 60, blockSeconds: 300 } } }).guard;
  for (let i = 0; i < 2; i++) expect(await guard.messageToNonContact('mallory@example.org')).toBeUndefined();
  expect(await guard.messageToNonContact('mallory@example.org')).toEqual({ rule: 'messages-to-non-contacts', retryAfterSeconds: 300 });
});

test('the credit is void when the limiter window ends', async () => {
  let now = 1_000_000;
  const { limiter: l } = limiter(100, 60);
  const credit = new LocalCredit(100, () => now);
  await credit.take(l, 'k');
  await credit.take(l, 'k'); // a chunk of 10: one spent, nine left
  now += 59_000;
  expect(credit.spend('k')).toBe(true);
  now += 1_000;
  expect(credit.spend('k')).toBe(false);
  expect(credit.size).toBe(0);
});

test('actions that come while a chunk is reserved share it, in their order', async () => {
  const { limiter: l, calls } = limiter(100);
  const credit = new LocalCredit();
  await act(credit, l, 'k'); // the first consume (one point) tells what remains
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) => credit.take(l, 'k').then(() => order.push(i))));
  expect(calls).toEqual([1, 10]);
  expect(order).toEqual([0, 1, 2, 3, 4]);
  expect(credit.spend('k')).toBe(true); // 10 reserved, 5 spent
});

test('the map of credits stays bounded, the oldest key going first', async () => {
  const { limiter: l } = limiter(100);
  const credit = new LocalCredit(2);
  for (const key of ['a', 'b', 'c']) {
    await credit.take(l, key);
    await credit.take(l, key);
  }
  expect(credit.size).toBe(2);
  expect(credit.spend('a')).toBe(false);
  expect(credit.spend('c')).toBe(true);
});

test('a reservation the store could not answer rejects and leaves no credit', async () => {
  const broken: CreditLimiter = { points: 100, consume: () => Promise.reject(new Error('redis down')) as Promise<RateLimiterRes> };
  const credit = new LocalCredit();
  await expect(credit.take(broken, 'k')).rejects.toThrow('redis down');
  expect(credit.spend('k')).toBe(false);
});

/** A guard on an in-memory live policy whose changes are pushed by hand. */
function guardOn(initial: unknown) {
  const listeners: Array<(p: AbusePolicy) => void> = [];
  const live = { current: parsePolicy(initial), onChange: (l: (p: AbusePolicy) => void) => listeners.push(l), stop: () => {} };
  const guard = new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent'));
  return { guard, change: (next: unknown) => listeners.forEach((l) => l(parsePolicy(next))) };
}

test('the guard answers from credit without a promise; a change of the rule drops the credits', async () => {
  const rules = { 'messages-to-non-contacts': { points: 100, durationSeconds: 60, blockSeconds: 60 } };
  const { guard, change } = guardOn({ rules });
  const alice = 'alice@example.org';
  expect(guard.messageToNonContact(alice)).toBeInstanceOf(Promise); // nothing known: a plain consume
  expect(await guard.messageToNonContact(alice)).toBeUndefined(); // a chunk of 10 reserved
  expect(guard.messageToNonContact(alice)).toBeUndefined(); // from the credit, in this turn
  change({ rules: { ...rules, 'logins-per-ip': { points: 5 } } }); // another rule: the credit stays
  expect(guard.messageToNonContact(alice)).toBeUndefined();
  change({ rules: { 'messages-to-non-contacts': { points: 20, durationSeconds: 60, blockSeconds: 60 } } });
  expect(guard.messageToNonContact(alice)).toBeInstanceOf(Promise);
  change({ rules: { 'messages-to-non-contacts': { enabled: false } } });
  expect(guard.messageToNonContact(alice)).toBeUndefined(); // off: no check at all
});
