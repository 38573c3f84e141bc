import { httpClientAddress } from './client-address.js';

test('behind the reverse proxy on this host the client is the last X-Forwarded-For entry; elsewhere the peer', () => {
  expect(httpClientAddress('127.0.0.1', '198.51.100.4', true)).toBe('198.51.100.4');
  // Entries before the proxy's are the client's own word: a forged one changes nothing.
  expect(httpClientAddress('127.0.0.1', '10.9.9.9, 198.51.100.4', true)).toBe('198.51.100.4');
  expect(httpClientAddress('127.0.0.1', '2001:db8::7', true)).toBe('2001:db8::7');
  expect(httpClientAddress('127.0.0.1', '', true)).toBe('127.0.0.1');
  expect(httpClientAddress('127.0.0.1', 'unknown', true)).toBe('127.0.0.1');
  // A header from anyone but the local proxy is not believed.
  expect(httpClientAddress('203.0.113.9', '198.51.100.4', false)).toBe('203.0.113.9');
});
