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

  it('leaves printable ASCII as it is, as the full mapping and NFKC would', () => {
    const ascii = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(saslPrep(ascii)).toBe(ascii);
    expect(ascii.normalize('NFKC')).toBe(ascii);
    expect(saslPrep(`${ascii}\u00AD`)).toBe(ascii); // one character outside it: the full path
  });

  it('does not reject prohibited characters (documented gap: they are hashed as they are)', () => {
    expect(saslPrep('\u0007')).toBe('\u0007');
  });
});
