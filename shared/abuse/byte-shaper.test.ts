import { jest } from '@jest/globals';
import { createLogger } from '../log.js';
import { AbuseGuard } from './abuse-guard.js';
import { ByteShaper } from './byte-shaper.js';
import { parsePolicy, type RuleAction } from './policy.js';
import type { LivePolicy } from './policy-store.js';

function shaperWith(points: number, action: RuleAction, exempt = false) {
  const live = { current: parsePolicy({ rules: { 'bytes-per-session': { points, durationSeconds: 1, action } } }), onChange: () => {}, stop: () => {} };
  const guard = new AbuseGuard(live as unknown as LivePolicy, undefined, createLogger('silent'));
  const log: string[] = [];
  const shaper = new ByteShaper(guard, () => 'alice@example.org/a', {
    pauseReads: () => log.push('pause'),
    resumeReads: () => log.push('resume'),
    refuse: (text) => log.push(`refuse: ${text}`),
    exempt: () => exempt,
  });
  return { shaper, log, guard };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('within budget nothing happens; over it reads pause until the debt is paid back', () => {
  const { shaper, log } = shaperWith(1000, 'delay');
  expect(shaper.take(900)).toBe(true);
  expect(log).toEqual([]);
  expect(shaper.take(300)).toBe(true); // 200 bytes of debt: about 200 ms at 1000 bytes/s
  expect(log).toEqual(['pause']);
  jest.advanceTimersByTime(250);
  expect(log).toEqual(['pause', 'resume']);
});

test('a chunk taking the debt beyond half a budget ends the stream with policy-violation', () => {
  const { shaper, log } = shaperWith(1000, 'delay');
  expect(shaper.take(1000)).toBe(true);
  expect(shaper.take(600)).toBe(false);
  expect(log).toEqual(['refuse: Too much data: more than 1000 bytes per 1 s']);
  expect(shaper.take(1)).toBe(false); // refused once, for good
  expect(log).toHaveLength(1);
});

test('a refuse rule refuses the first chunk over budget; an exempt session is never shaped', () => {
  const refusing = shaperWith(1000, 'refuse');
  expect(refusing.shaper.take(1000)).toBe(true);
  expect(refusing.shaper.take(1)).toBe(false);
  const exempt = shaperWith(1000, 'refuse', true);
  expect(exempt.shaper.take(5000)).toBe(true);
  expect(exempt.log).toEqual([]);
});

test('a disabled rule passes everything', () => {
  const { shaper, guard, log } = shaperWith(10, 'refuse');
  guard.policy = parsePolicy({ rules: { 'bytes-per-session': { enabled: false } } });
  expect(shaper.take(1_000_000)).toBe(true);
  expect(log).toEqual([]);
});
