import { parsePlain } from './sasl-plain.js';

const plain = (text: string) => parsePlain(Buffer.from(text));

describe('parsePlain (RFC 4616)', () => {
  it('parses a message without authzid', () => {
    expect(plain('\0juliet\0r0m30')).toEqual({ authzid: '', authcid: 'juliet', password: 'r0m30' });
  });

  it('parses a message with authzid and non-ASCII password', () => {
    expect(plain('juliet@capulet.lit\0juliet\0pässwörd')).toEqual({
      authzid: 'juliet@capulet.lit',
      authcid: 'juliet',
      password: 'pässwörd',
    });
  });

  it.each([
    ['empty', ''],
    ['one NUL', 'juliet\0r0m30'],
    ['three NULs', '\0juliet\0r0m30\0'],
    ['empty authcid', '\0\0r0m30'],
    ['empty password', '\0juliet\0'],
  ])('refuses a malformed message: %s', (_, text) => {
    expect(plain(text)).toBeUndefined();
  });

  it('refuses invalid UTF-8', () => {
    expect(parsePlain(Buffer.from([0, 0x6a, 0, 0xff, 0xfe]))).toBeUndefined();
  });
});
