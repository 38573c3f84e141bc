import { bearerMatches } from './admin-http.js';

test('the admin token is accepted only as an exact Bearer credential', () => {
  expect(bearerMatches('Bearer s3cret-token', 's3cret-token')).toBe(true);
  expect(bearerMatches('bearer s3cret-token', 's3cret-token')).toBe(true);
  expect(bearerMatches('Bearer s3cret-toke', 's3cret-token')).toBe(false);
  expect(bearerMatches('Basic s3cret-token', 's3cret-token')).toBe(false);
  expect(bearerMatches('s3cret-token', 's3cret-token')).toBe(false);
  expect(bearerMatches('', 's3cret-token')).toBe(false);
});

test('an empty configured token matches nothing, not even an empty credential', () => {
  expect(bearerMatches('Bearer ', '')).toBe(false);
  expect(bearerMatches('Bearer x', '')).toBe(false);
});
