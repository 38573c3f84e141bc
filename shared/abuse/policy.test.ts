import { allowListOf, defaultPolicy, parsePolicy, PolicyError } from './policy.js';
import { addressPrefix, normalizeAddress } from './client-address.js';

test('a stored policy keeps the defaults of the rules it does not name', () => {
  const policy = parsePolicy({ rules: { 'logins-per-ip': { points: 3 } } });
  expect(policy.rules['logins-per-ip'].points).toBe(3);
  expect(policy.rules['logins-per-ip'].durationSeconds).toBe(defaultPolicy().rules['logins-per-ip'].durationSeconds);
  expect(policy.rules['stanzas-per-session']).toEqual(defaultPolicy().rules['stanzas-per-session']);
});

test('unknown rules, bad numbers, actions and ranges are refused', () => {
  expect(() => parsePolicy({ rules: { 'no-such-rule': {} } })).toThrow(PolicyError);
  expect(() => parsePolicy({ rules: { 'logins-per-ip': { points: 0 } } })).toThrow(/at least 1/);
  expect(() => parsePolicy({ rules: { 'logins-per-ip': { action: 'explode' } } })).toThrow(/refuse or delay/);
  expect(() => parsePolicy({ allowIps: ['10.0.0.0/33'] })).toThrow(/CIDR/);
});

test('the allow-list matches addresses, ranges and IPv4-mapped clients', () => {
  const list = allowListOf(parsePolicy({ allowIps: ['10.1.0.0/16', '2001:db8::/32', '192.0.2.7'] }));
  expect(list.check(normalizeAddress('::ffff:10.1.200.3'), 'ipv4')).toBe(true);
  expect(list.check('192.0.2.7', 'ipv4')).toBe(true);
  expect(list.check('192.0.2.8', 'ipv4')).toBe(false);
  expect(list.check(normalizeAddress('2001:DB8:1::5'), 'ipv6')).toBe(true);
});

test('prefix keys are the /24 of IPv4 and the /64 of IPv6', () => {
  expect(addressPrefix('203.0.113.77')).toBe('203.0.113.0/24');
  expect(addressPrefix('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
  expect(addressPrefix('2001:db8:1:2:aaaa::1')).toBe(addressPrefix('2001:db8:1:2:bbbb::9'));
  expect(addressPrefix('2001:db8:1:2::1')).not.toBe(addressPrefix('2001:db8:1:3::1'));
});
