import { deriveCredentials, verifyPassword, verifyPasswordAsync } from './scram-keys.js';

const decodedLength = (b64: string) => Buffer.from(b64, 'base64').length;

describe('deriveCredentials', () => {
  it('derives keys for both mechanisms, each with its own random 16-byte salt and 4096 iterations', () => {
    const credentials = deriveCredentials('pencil');
    const sha1 = credentials['SCRAM-SHA-1'];
    const sha256 = credentials['SCRAM-SHA-256'];
    expect([decodedLength(sha1.salt), decodedLength(sha256.salt)]).toEqual([16, 16]);
    expect(sha1.salt).not.toBe(sha256.salt);
    expect([sha1.iterations, sha256.iterations]).toEqual([4096, 4096]);
    expect([decodedLength(sha1.storedKey), decodedLength(sha1.serverKey)]).toEqual([20, 20]);
    expect([decodedLength(sha256.storedKey), decodedLength(sha256.serverKey)]).toEqual([32, 32]);
    expect(deriveCredentials('pencil')['SCRAM-SHA-1'].salt).not.toBe(sha1.salt);
  });

  it('uses the given iteration count', () => {
    expect(deriveCredentials('pencil', 10_000)['SCRAM-SHA-256'].iterations).toBe(10_000);
  });
});

describe('verifyPassword', () => {
  const credentials = deriveCredentials('correct horse');
  it.each(['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const)('accepts the right password and refuses others (%s)', (mechanism) => {
    expect(verifyPassword(credentials[mechanism], mechanism, 'correct horse')).toBe(true);
    expect(verifyPassword(credentials[mechanism], mechanism, 'correct horsE')).toBe(false);
    expect(verifyPassword(credentials[mechanism], mechanism, '')).toBe(false);
  });

  it.each(['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const)('has an async variant off the event loop (%s)', async (mechanism) => {
    expect(await verifyPasswordAsync(credentials[mechanism], mechanism, 'correct horse')).toBe(true);
    expect(await verifyPasswordAsync(credentials[mechanism], mechanism, 'wrong')).toBe(false);
  });

  it('refuses keys of the other mechanism instead of throwing', () => {
    expect(verifyPassword(credentials['SCRAM-SHA-256'], 'SCRAM-SHA-1', 'correct horse')).toBe(false);
  });

  it('normalises passwords (SASLprep mapping and NFKC) before hashing', () => {
    const keys = deriveCredentials('I\u00ADX\u00A0\u2168')['SCRAM-SHA-256'];
    expect(verifyPassword(keys, 'SCRAM-SHA-256', 'IX IX')).toBe(true);
  });
});
