import { createHash, createHmac } from 'node:crypto';
import { DialbackKeys } from './dialback-key.js';

test('a key is HMAC-SHA256 over receiving, originating and stream id with the hashed secret (XEP-0185 §3)', () => {
  const keys = new DialbackKeys('s3cr3tf0rd14lb4ck');
  const expected = createHmac('sha256', createHash('sha256').update('s3cr3tf0rd14lb4ck').digest())
    .update('example.org example.com D60000229F')
    .digest('hex');
  expect(keys.generate('example.org', 'example.com', 'D60000229F')).toBe(expected);
});

test('a key verifies only for the same receiving domain, originating domain and stream id', () => {
  const keys = new DialbackKeys('secret');
  const key = keys.generate('b.example', 'a.example', 'stream-1');
  expect(keys.verify('b.example', 'a.example', 'stream-1', key)).toBe(true);
  expect(keys.verify('b.example', 'a.example', 'stream-1', key.toUpperCase())).toBe(true);
  expect(keys.verify('c.example', 'a.example', 'stream-1', key)).toBe(false);
  expect(keys.verify('b.example', 'evil.example', 'stream-1', key)).toBe(false);
  expect(keys.verify('b.example', 'a.example', 'stream-2', key)).toBe(false);
  expect(keys.verify('b.example', 'a.example', 'stream-1', 'not a key')).toBe(false);
});

test('nodes sharing s2s.dialbackSecret verify each other’s keys; random secrets do not', () => {
  expect(new DialbackKeys('fleet').verify('b', 'a', 'id', new DialbackKeys('fleet').generate('b', 'a', 'id'))).toBe(true);
  expect(new DialbackKeys().verify('b', 'a', 'id', new DialbackKeys().generate('b', 'a', 'id'))).toBe(false);
  expect(new DialbackKeys('').verify('b', 'a', 'id', new DialbackKeys('').generate('b', 'a', 'id'))).toBe(false);
});
