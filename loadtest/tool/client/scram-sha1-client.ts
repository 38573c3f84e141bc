// The client side of SCRAM-SHA-1 (RFC 5802) without channel binding (gs2-header "n,,"), for
// `--sasl scram-sha-1`: client-first → server-first → client-final (proof) → server-final, whose
// ServerSignature is checked (a server that does not know the keys cannot fake a success).
// The math is the server's own (shared/auth/scram-keys.ts: HMAC, H, SASLprep); only PBKDF2 and
// the nonce are done here.
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashLength, scramHash, scramHmac } from '../../../shared/auth/scram-keys.js';
import { saslPrep } from '../../../shared/auth/saslprep.js';

const MECH = 'SCRAM-SHA-1';

interface ClientKeys {
  clientKey: Buffer;
  serverKey: Buffer;
}

/**
 * ClientKey/ServerKey per (password, salt, iterations), as real clients keep them (RFC 5802 §5.1
 * "the client can cache ClientKey and ServerKey"; Conversations, Gajim and Dino store them with
 * the account): only the first login of a user with a given salt pays the PBKDF2. Bounded: when
 * full it is emptied and refilled (a run's users fit many times over).
 */
const MAX_CACHED = 200_000;
const cache = new Map<string, ClientKeys>();
let pbkdf2Count = 0;

/** How many PBKDF2 derivations this process has done (tests; the warm-up makes them 0 while timed). */
export const scramPbkdf2Count = () => pbkdf2Count;
export function clearScramCache(): void {
  cache.clear();
}

function keysFor(password: string, salt: Buffer, iterations: number): ClientKeys {
  const id = `${iterations}\0${salt.toString('base64')}\0${password}`;
  const hit = cache.get(id);
  if (hit) return hit;
  pbkdf2Count++;
  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i) = PBKDF2-HMAC-SHA-1
  const salted = pbkdf2Sync(saslPrep(password), salt, iterations, hashLength(MECH), 'sha1');
  const keys = { clientKey: scramHmac(MECH, salted, 'Client Key'), serverKey: scramHmac(MECH, salted, 'Server Key') };
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(id, keys);
  return keys;
}

/** RFC 5802 §5.1 saslname: "=" and "," travel as "=3D" and "=2C". */
const saslName = (name: string) => saslPrep(name).replace(/=/g, '=3D').replace(/,/g, '=2C');

/** Servers ask for at most this many iterations (a hostile value would stall the generator). */
const MAX_ITERATIONS = 1_000_000;

export class ScramSha1Client {
  private readonly bare: string;
  private authMessage = '';
  private serverKey: Buffer | undefined;
  readonly clientNonce: string;

  constructor(username: string, private readonly password: string, clientNonce = randomBytes(18).toString('base64')) {
    this.clientNonce = clientNonce;
    this.bare = `n=${saslName(username)},r=${clientNonce}`;
  }

  /** client-first-message: gs2-header "n,," (no channel binding, no authzid) + bare. */
  first(): string {
    return `n,,${this.bare}`;
  }

  /** server-first-message → client-final-message; throws on anything RFC 5802 §5.1 does not allow. */
  final(serverFirst: string): string {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has('m')) throw new Error('SCRAM: server sent a mandatory extension');
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) throw new Error('SCRAM: bad server nonce');
    if (!salt) throw new Error('SCRAM: no salt');
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) throw new Error(`SCRAM: bad iteration count '${attrs.get('i')}'`);
    const keys = keysFor(this.password, Buffer.from(salt, 'base64'), iterations);
    // c= is base64("n,,") = "biws"
    const withoutProof = `c=biws,r=${nonce}`;
    this.authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    // RFC 5802 §3: ClientProof := ClientKey XOR HMAC(H(ClientKey), AuthMessage)
    const signature = scramHmac(MECH, scramHash(MECH, keys.clientKey), this.authMessage);
    const proof = Buffer.from(keys.clientKey.map((b, i) => b ^ signature[i]!));
    this.serverKey = keys.serverKey;
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** server-final-message: throws unless it is v=ServerSignature (RFC 5802 §3) for this exchange. */
  verify(serverFinal: string): void {
    if (!this.serverKey) throw new Error('SCRAM: server-final before client-final');
    const attrs = parseAttributes(serverFinal);
    if (attrs.has('e')) throw new Error(`SCRAM: server error ${attrs.get('e')}`);
    const got = Buffer.from(attrs.get('v') ?? '', 'base64');
    const expected = scramHmac(MECH, this.serverKey, this.authMessage);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error('SCRAM: wrong server signature');
  }
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) if (/^[A-Za-z]=/.test(part)) out.set(part[0]!, part.slice(2));
  return out;
}
