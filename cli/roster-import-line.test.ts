import { deriveCredentials } from '../shared/auth/scram.js';
import { parseImportLine } from './roster-import-line.js';

const rules = { domain: 'example.org', maxItems: 3 };
const reasonFor = (value: unknown) => {
  const result = parseImportLine(typeof value === 'string' ? value : JSON.stringify(value), 7, rules);
  return 'error' in result ? result.error : undefined;
};
const alice = { user: 'alice', password: 'pw' };

test('a valid line becomes a normalised user with its line number', () => {
  const result = parseImportLine(
    JSON.stringify({ jid: 'Alice@Example.org', password: 'pw', roster: [{ jid: 'Bob@Example.org', name: '', approved: false }] }),
    7,
    rules,
  );
  expect(result).toEqual({
    user: {
      line: 7,
      jid: 'alice@example.org',
      secret: { password: 'pw' },
      roster: { version: 0, items: [{ jid: 'bob@example.org', subscription: 'none', groups: [] }], pendingIn: [] },
    },
  });
});

test.each([
  ['not JSON', '{"user":', /^not valid JSON \(/],
  ['not an object', '"alice"', /^the line must be a JSON object$/],
  ['a misspelt field', { ...alice, rooster: [] }, /^the line: unknown field "rooster"/],
  ['no user', { password: 'pw' }, /^give exactly one of "jid" and "user"$/],
  ['both jid and user', { ...alice, jid: 'alice@example.org' }, /^give exactly one of "jid" and "user"$/],
  ['another domain', { jid: 'alice@other.org', password: 'pw' }, /domain other\.org is not served here/],
  ['a malformed user', { user: 'al ice', password: 'pw' }, /is not a valid user JID/],
  ['no secret', { user: 'alice' }, /^give exactly one of "password" and "credentials"$/],
  ['an empty password', { user: 'alice', password: '' }, /^"password" must be a non-empty string$/],
  ['a roster that is not an array', { ...alice, roster: {} }, /^"roster" must be an array$/],
  ['too many items', { ...alice, roster: ['a', 'b', 'c', 'd'].map((l) => ({ jid: `${l}@x.org` })) }, /^"roster" has 4 entries, more than roster.maxItems \(3\)$/],
  ['an item without jid', { ...alice, roster: [{ name: 'x' }] }, /^roster\[0\]\.jid must be a string$/],
  ['an item with a bad jid', { ...alice, roster: [{ jid: 'a@@b' }] }, /^roster\[0\]\.jid "a@@b" is not a valid JID$/],
  ['a full JID item', { ...alice, roster: [{ jid: 'bob@x.org/phone' }] }, /give a bare JID/],
  ['a bad subscription', { ...alice, roster: [{ jid: 'b@x.org', subscription: 'remove' }] }, /^roster\[0\]\.subscription must be one of/],
  ['a bad ask', { ...alice, roster: [{ jid: 'b@x.org', ask: 'unsubscribe' }] }, /^roster\[0\]\.ask can only be "subscribe"$/],
  ['an empty group', { ...alice, roster: [{ jid: 'b@x.org', groups: [' '] }] }, /^roster\[0\]\.groups must hold non-empty strings$/],
  ['a group twice', { ...alice, roster: [{ jid: 'b@x.org', groups: ['a', 'a'] }] }, /^roster\[0\]\.groups lists a group twice$/],
  ['a name too long', { ...alice, roster: [{ jid: 'b@x.org', name: 'n'.repeat(1025) }] }, /^roster\[0\]\.name is longer than 1024 characters$/],
  ['a duplicate item', { ...alice, roster: [{ jid: 'b@x.org' }, { jid: 'B@x.org' }] }, /^roster\[1\]: b@x\.org is already roster\[0\]$/],
  ['a duplicate pending request', { ...alice, pendingIn: [{ jid: 'b@x.org' }, { jid: 'b@x.org' }] }, /^pendingIn\[1\]: b@x\.org is already pendingIn\[0\]$/],
])('refuses a line with %s', (_what, value, reason) => {
  expect(reasonFor(value)).toMatch(reason);
});

test('pre-derived credentials need both mechanisms with keys of the right length', () => {
  const credentials = deriveCredentials('pw', 1);
  expect(reasonFor({ user: 'alice', credentials })).toBeUndefined();
  expect(reasonFor({ user: 'alice', credentials: { 'SCRAM-SHA-1': credentials['SCRAM-SHA-1'] } })).toMatch(/"credentials"."SCRAM-SHA-256" is missing/);
  const shortKey = { ...credentials, 'SCRAM-SHA-256': { ...credentials['SCRAM-SHA-256'], storedKey: credentials['SCRAM-SHA-1'].storedKey } };
  expect(reasonFor({ user: 'alice', credentials: shortKey })).toBe('"credentials"."SCRAM-SHA-256".storedKey must be 32 bytes in base64');
  const noIterations = { ...credentials, 'SCRAM-SHA-1': { ...credentials['SCRAM-SHA-1'], iterations: 0 } };
  expect(reasonFor({ user: 'alice', credentials: noIterations })).toMatch(/iterations must be a whole number/);
  expect(reasonFor({ user: 'alice', password: 'pw', credentials })).toBe('give exactly one of "password" and "credentials"');
});
