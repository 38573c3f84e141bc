import { ARCHIVE_KEY_BYTES, archiveKeyFits } from './archive-key-limit.js';

test('usual JIDs fit the archive keys; the longest RFC 7622 allows do not', () => {
  expect(archiveKeyFits('alice@example.org', 'bob@example.org/phone')).toBe(true);
  const part = 'x'.repeat(1023);
  expect(archiveKeyFits(`${part}@example.org`, `${part}@example.org/phone`)).toBe(false);
});

test('the limit counts UTF-8 bytes of the owner and the bare peer, not the resource', () => {
  const owner = 'a@x';
  const local = 'é'.repeat(Math.floor((ARCHIVE_KEY_BYTES - 3 - 2) / 2)); // two bytes each in UTF-8
  const peer = `${local}@x`;
  expect(Buffer.byteLength(owner) + Buffer.byteLength(peer)).toBeLessThanOrEqual(ARCHIVE_KEY_BYTES);
  expect(archiveKeyFits(owner, `${peer}/${'r'.repeat(1000)}`)).toBe(true);
  expect(archiveKeyFits(owner, `é${peer}`)).toBe(false);
});
