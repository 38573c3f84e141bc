// Server Dialback keys (XEP-0220 §2.1.1, generated as XEP-0185 §3 recommends):
//   key = HEX( HMAC-SHA256( SHA256(secret), receiving + ' ' + originating + ' ' + streamId ) )
// The secret never leaves the server; a receiving server checks a key by asking us (db:verify), and
// we recompute it. One node alone may use a random secret; the nodes of a fleet share
// s2s.dialbackSecret, as a db:verify may reach any of them (docs/s2s.md).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class DialbackKeys {
  private readonly hashedSecret: Buffer;

  /** `secret` empty or absent: a random one, good for this process only. */
  constructor(secret?: string) {
    const material = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.hashedSecret = createHash('sha256').update(material).digest();
  }

  /** The key we send in db:result on a stream we opened (XEP-0185 §3). */
  generate(receiving: string, originating: string, streamId: string): string {
    return createHmac('sha256', this.hashedSecret).update(`${receiving} ${originating} ${streamId}`, 'utf8').digest('hex');
  }

  /** Whether `key` is the one we generated for these three values (answering db:verify, XEP-0220 §2.3). */
  verify(receiving: string, originating: string, streamId: string, key: string): boolean {
    const expected = Buffer.from(this.generate(receiving, originating, streamId), 'utf8');
    const given = Buffer.from(key.trim().toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
