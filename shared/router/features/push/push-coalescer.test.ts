import { jest } from '@jest/globals';
import { NotificationCoalescer } from './push-coalescer.js';
import type { PushSummary } from './push-summary.js';

let clock = 0;
let published: Array<{ key: string; target: string; summary: PushSummary }> = [];
const make = (minIntervalMs: number, maxTracked = 10) =>
  new NotificationCoalescer<string>({ minIntervalMs, maxTracked, now: () => clock }, (key, target, summary) => published.push({ key, target, summary }));

beforeEach(() => {
  jest.useFakeTimers();
  clock = 0;
  published = [];
});
afterEach(() => jest.useRealTimers());

const advance = (ms: number) => {
  clock += ms;
  jest.advanceTimersByTime(ms);
};

test('the first message is published at once; more while it is unanswered wait and go as one with their count', () => {
  const c = make(0);
  expect(c.add('r1', 't', { sender: 'a@x' })).toBe('published');
  expect(c.add('r1', 't', { sender: 'b@x' })).toBe('coalesced');
  expect(c.add('r1', 't', { sender: 'c@x', body: 'last' })).toBe('coalesced');
  expect(published).toEqual([{ key: 'r1', target: 't', summary: { count: 1, sender: 'a@x' } }]);
  c.settled('r1');
  expect(published[1]!.summary).toEqual({ count: 2, sender: 'c@x', body: 'last' });
  c.settled('r1');
  expect(c.size).toBe(0); // nothing waits: forgotten
});

test('within the minimum interval messages are coalesced and published when it is over', () => {
  const c = make(5000);
  c.add('r1', 't', {});
  c.settled('r1');
  advance(1000);
  expect(c.add('r1', 't', { sender: 'b@x' })).toBe('coalesced');
  c.add('r1', 't', { sender: 'c@x' });
  advance(3999);
  expect(published).toHaveLength(1);
  advance(1);
  expect(published).toHaveLength(2);
  expect(published[1]!.summary).toEqual({ count: 2, sender: 'c@x' });
  c.settled('r1');
  advance(5000);
  expect(c.size).toBe(0);
});

test('registrations are independent', () => {
  const c = make(5000);
  expect(c.add('r1', 't1', {})).toBe('published');
  expect(c.add('r2', 't2', {})).toBe('published');
  expect(published.map((p) => p.key)).toEqual(['r1', 'r2']);
});

test('beyond maxTracked registrations new notifications are dropped', () => {
  const c = make(5000, 2);
  c.add('r1', 't', {});
  c.add('r2', 't', {});
  expect(c.add('r3', 't', {})).toBe('dropped');
  expect(c.add('r1', 't', {})).toBe('coalesced'); // tracked ones still coalesce
});

test('a forgotten registration publishes nothing more', () => {
  const c = make(5000);
  c.add('r1', 't', {});
  c.settled('r1');
  c.add('r1', 't', {});
  c.forget('r1');
  advance(10_000);
  expect(published).toHaveLength(1);
  expect(c.size).toBe(0);
});
