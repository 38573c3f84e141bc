import { parseJid, isValidResource } from './jid.js';

describe('parseJid', () => {
  test('normalises local part and domain, keeps resource case', () => {
    const j = parseJid('Juliet@LocalHost/Balcony')!;
    expect([j.local, j.domain, j.resource, j.bare, j.full]).toEqual(['juliet', 'localhost', 'Balcony', 'juliet@localhost', 'juliet@localhost/Balcony']);
  });
  test('domain-only and domain/resource JIDs', () => {
    expect(parseJid('conference.localhost')!.bare).toBe('conference.localhost');
    expect(parseJid('localhost/x')!.full).toBe('localhost/x');
  });
  test('malformed JIDs are refused', () => {
    for (const bad of ['', '@localhost', 'a@', 'a@b/', 'a b@c', 'a@@b', 'a@-bad-', 'x'.repeat(1024) + '@b']) expect(parseJid(bad)).toBeUndefined();
  });
  test('resource validity', () => {
    expect(isValidResource('phone')).toBe(true);
    expect(isValidResource('')).toBe(false);
    expect(isValidResource('a\u0001')).toBe(false);
  });
});
