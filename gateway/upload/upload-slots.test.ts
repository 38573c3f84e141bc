import { checkSlotRequest, isRefusal, ownerKey, parseSlotPath, safeFilename, signedPutQuery, slotPath, verifyPut, type SlotClaims } from './upload-slots.js';

const secret = Buffer.alloc(32, 7);
const limits = { maxFileBytes: 1000, quotaBytes: 5000, allowedTypes: [] };
const claims: SlotClaims = { owner: ownerKey(secret, 'juliet@capulet.example'), id: 'AAAAAAAAAAAAAAAAAAAAAA', filename: 'tr 1.jpg', size: 500, contentType: 'image/jpeg', expires: 2000 };

describe('slot requests', () => {
  test('a request within the limits gets its size, type and a safe file name', () => {
    expect(checkSlotRequest({ filename: '../../etc/pass\u0001wd', size: '1000', 'content-type': 'Image/JPEG' }, limits)).toEqual({ filename: 'pass_wd', size: 1000, contentType: 'image/jpeg' });
    expect(checkSlotRequest({ filename: 'a', size: '1' }, limits)).toMatchObject({ contentType: 'application/octet-stream' });
  });

  test('a file above maxFileBytes is refused with not-acceptable and the maximum', () => {
    expect(checkSlotRequest({ filename: 'big.bin', size: '1001' }, limits)).toEqual({ condition: 'not-acceptable', text: expect.any(String), maxFileBytes: 1000 });
  });

  test('missing name, zero or malformed size and malformed type are bad requests', () => {
    for (const attrs of [{ size: '10' }, { filename: 'a', size: '0' }, { filename: 'a', size: '-1' }, { filename: 'a', size: '1e3' }, { filename: 'a', size: '10', 'content-type': 'text/html; x=<' }]) {
      const result = checkSlotRequest(attrs, limits);
      expect(isRefusal(result) && result.condition).toBe('bad-request');
    }
  });

  test('types outside allowedTypes are not acceptable', () => {
    const result = checkSlotRequest({ filename: 'a.html', size: '10', 'content-type': 'text/html' }, { ...limits, allowedTypes: ['image/png'] });
    expect(result).toMatchObject({ condition: 'not-acceptable' });
  });

  test('file names never escape their folder', () => {
    expect(safeFilename('..')).toBe('file');
    expect(safeFilename('dir\\sub\\x.png')).toBe('x.png');
    expect(safeFilename('x'.repeat(500))).toHaveLength(200);
  });
});

describe('signed PUT URLs', () => {
  const path = slotPath(claims);
  const query = signedPutQuery(secret, claims);

  test('the signed URL verifies and gives back the claims', () => {
    expect(path).toBe(`/upload/${claims.owner}/${claims.id}/tr%201.jpg`);
    expect(parseSlotPath(path)).toEqual({ owner: claims.owner, id: claims.id, filename: 'tr 1.jpg' });
    expect(verifyPut(secret, path, query, 1999)).toEqual(claims);
  });

  test('an expired URL is refused', () => {
    expect(verifyPut(secret, path, query, 2001)).toBe('expired');
  });

  test('changing the size, type, expiry, name or key breaks the signature', () => {
    for (const [name, value] of [['size', '501'], ['type', 'text/html'], ['expires', '9999']]) {
      const params = new URLSearchParams(query);
      params.set(name!, value!);
      expect(verifyPut(secret, path, params.toString(), 0)).toBe('forbidden');
    }
    expect(verifyPut(secret, path.replace('tr%201', 'tr%202'), query, 0)).toBe('forbidden');
    expect(verifyPut(Buffer.alloc(32, 8), path, query, 0)).toBe('forbidden');
    expect(verifyPut(secret, path, query.replace(/sig=[^&]+/, 'sig='), 0)).toBe('forbidden');
    expect(verifyPut(secret, '/upload/../secret', query, 0)).toBe('forbidden');
  });

  test('the owner folder is a keyed hash of the bare JID', () => {
    expect(claims.owner).toMatch(/^[0-9a-f]{32}$/);
    expect(ownerKey(secret, 'romeo@montague.example')).not.toBe(claims.owner);
    expect(ownerKey(Buffer.alloc(32, 1), 'juliet@capulet.example')).not.toBe(claims.owner);
  });
});
