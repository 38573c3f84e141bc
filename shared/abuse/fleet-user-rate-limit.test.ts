import { pino } from 'pino';
import { connectFleetUserLimit, windowOf } from './fleet-user-rate-limit.js';

test('a token bucket becomes a window of `burst` actions over burst/perMinute minutes, whole seconds', () => {
  expect(windowOf({ perMinute: 60, burst: 100 })).toEqual({ points: 100, duration: 100 });
  expect(windowOf({ perMinute: 7200, burst: 1000 })).toEqual({ points: 1000, duration: 8 });
  expect(windowOf({ perMinute: 1, burst: 3 })).toEqual({ points: 3, duration: 180 });
  expect(windowOf({ perMinute: 100_000, burst: 1 })).toEqual({ points: 1, duration: 1 });
});

test('without a Redis URL there is no fleet limit (the component counts in its own memory)', () => {
  expect(connectFleetUserLimit('', 'muc-joins-per-user', 'conference.example.org', { perMinute: 60, burst: 100 }, pino({ level: 'silent' }))).toBeUndefined();
});
