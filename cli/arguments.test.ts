import { accountJid, componentDomain, positiveInteger } from './arguments.js';

describe('the JID of an account command', () => {
  test('a bare name gets the configured domain', () => {
    expect(accountJid('alice', 'example.org')).toBe('alice@example.org');
  });

  test('local part and domain are lower-cased', () => {
    expect(accountJid('Alice@Example.ORG', 'example.org')).toBe('alice@example.org');
  });

  test.each([
    ['a name with a space', 'al ice'],
    ['a forbidden character', 'al<ice'],
    ['an empty name', '@example.org'],
    ['a bad domain', 'alice@exa mple.org'],
  ])('%s is refused with one line', (_what, input) => {
    expect(() => accountJid(input, 'example.org')).toThrow(/is not a valid user JID/);
  });

  test('a full JID and another domain are refused', () => {
    expect(() => accountJid('alice@example.org/phone', 'example.org')).toThrow('give a bare JID (without /phone)');
    expect(() => accountJid('alice@other.org', 'example.org')).toThrow('domain other.org is not served here (the configured domain is example.org)');
  });
});

describe('the domain of a component command', () => {
  test('is lower-cased and checked', () => {
    expect(componentDomain('MUC.Example.org')).toBe('muc.example.org');
    expect(() => componentDomain('not a domain')).toThrow('"not a domain" is not a valid component domain');
  });
});

test('a count must be a whole number of at least 1', () => {
  expect(positiveInteger('20')).toBe(20);
  for (const bad of ['0', '-1', '1.5', 'ten']) expect(() => positiveInteger(bad)).toThrow('must be a whole number of at least 1');
});
