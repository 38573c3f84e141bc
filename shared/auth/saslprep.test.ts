import { saslPrep } from './saslprep.js';

describe('saslPrep', () => {
  it.each([
    ['I\u00ADX', 'IX'], // RFC 4013 §3: soft hyphen mapped to nothing
    ['user', 'user'],
    ['USER', 'USER'], // no case folding
    ['\u00AA', 'a'], // NFKC
    ['\u2168', 'IX'], // NFKC
    ['a\u2003b\u3000c', 'a b c'], // non-ASCII spaces become U+0020
    ['zero\u200Bwidth\uFEFF', 'zerowidth'],
  ])('maps %j to %j', (input, output) => {
    expect(saslPrep(input)).toBe(output);
  });

  it('does not reject prohibited characters (documented gap: they are hashed as they are)', () => {
    expect(saslPrep('\u0007')).toBe('\u0007');
  });
});
