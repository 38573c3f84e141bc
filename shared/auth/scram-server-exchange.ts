// The server side of one SCRAM exchange (RFC 5802 §5, RFC 7677), as carried by XMPP SASL
// (RFC 6120 §6): client-first → server-first (challenge) → client-final → server-final (success).
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { ScramKeys } from '../storage/types.js';
import { DEFAULT_SCRAM_ITERATIONS, hashLength, type ScramMechanism, scramHash, scramHmac } from './scram-keys.js';
import { type ClientFirstMessage, isRefusal, parseClientFinal, parseClientFirst } from './scram-messages.js';

/** RFC 6120 §6.5 failure conditions a SASL mechanism can end with. */
export type SaslFailureCondition =
  | 'not-authorized'
  | 'malformed-request'
  | 'invalid-authzid'
  | 'encryption-required'
  | 'temporary-auth-failure';

export type SaslStepResult =
  | { kind: 'challenge'; data: Buffer }
  | { kind: 'success'; data: Buffer }
  | { kind: 'failure'; condition: SaslFailureCondition; text?: string };

export interface ScramServerOptions {
  /** The server's domain: an authzid is accepted only if it is `<username>@<domain>`. Without
   * it, any authzid is refused (invalid-authzid), as we cannot tell it is the user's own JID. */
  domain?: string;
  /** Keys the fake salt shown for unknown users. Give all gateways the same secret, or an
   * attacker could tell unknown users by their salt changing from one gateway to the next. */
  unknownUserSecret?: Buffer;
  /** The server's part of the nonce; only tests (RFC vectors) replace it. */
  makeServerNonce?: () => string;
}

/** Gets the keys for this mechanism. It receives the username as sent (=2C / =3D decoded, not
 * SASLprep'd) and should normalise it as account JIDs are (lower case) before looking it up. */
type Lookup = (username: string) => Promise<ScramKeys | undefined>;

/** Longer messages are refused before parsing; real ones are a few hundred bytes. */
const MAX_MESSAGE_BYTES = 4096;
const processSecret = randomBytes(32);
/**
 * 18 random bytes a login, cut from a pool filled 4 KiB at a time: one randomBytes call per login
 * (OpenSSL's RAND_bytes, a fork check included) cost ≈ 1.5 % of a login's CPU (docs/benchmarks.md);
 * Node's randomUUID pools the same way. Every nonce is still fresh CSPRNG output, used once.
 */
const NONCE_BYTES = 18;
const noncePool = Buffer.alloc(NONCE_BYTES * 227);
let noncePoolAt = noncePool.length;
const randomServerNonce = (): string => {
  if (noncePoolAt + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    noncePoolAt = 0;
  }
  const nonce = noncePool.toString('base64', noncePoolAt, noncePoolAt + NONCE_BYTES);
  noncePoolAt += NONCE_BYTES;
  return nonce;
};

export class ScramServerExchange {
  private state: 'client-first' | 'client-final' | 'done' = 'client-first';
  private first?: ClientFirstMessage;
  private keys?: ScramKeys;
  private serverFirst = '';
  private nonce = '';
  private authenticated?: string;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: Lookup,
    private readonly options: ScramServerOptions = {},
  ) {}

  /** The authenticated username (local part), once the exchange has succeeded. */
  get username(): string | undefined {
    return this.authenticated;
  }

  async step(clientMessage: Buffer): Promise<SaslStepResult> {
    const state = this.state;
    this.state = 'done'; // any early return below ends the exchange
    if (clientMessage.length > MAX_MESSAGE_BYTES) return fail('malformed-request', 'message too long');
    if (state === 'client-first') return this.onClientFirst(clientMessage);
    if (state === 'client-final') return this.onClientFinal(clientMessage);
    return fail('malformed-request', 'the exchange is over');
  }

  private async onClientFirst(message: Buffer): Promise<SaslStepResult> {
    const first = parseClientFirst(message);
    if (isRefusal(first)) return fail(first.condition, first.text);
    // RFC 5802 §5.1: the authzid, if any, must be one the user may act as: here only their own JID.
    const ownJid = this.options.domain && `${first.username}@${this.options.domain}`.toLowerCase();
    if (first.authzid !== undefined && first.authzid.toLowerCase() !== ownJid) {
      return fail('invalid-authzid', 'authzid must be your own bare JID');
    }
    let keys: ScramKeys | undefined;
    try {
      keys = await this.lookup(first.username);
    } catch {
      return fail('temporary-auth-failure');
    }
    this.first = first;
    this.keys = keys ?? this.unknownUserKeys(first.username);
    // RFC 5802 §5.1 server-first-message: r=c-nonce+s-nonce, s=salt, i=iteration-count.
    this.nonce = first.clientNonce + (this.options.makeServerNonce ?? randomServerNonce)();
    this.serverFirst = `r=${this.nonce},s=${this.keys.salt},i=${this.keys.iterations}`;
    this.state = 'client-final';
    return { kind: 'challenge', data: Buffer.from(this.serverFirst) };
  }

  private onClientFinal(message: Buffer): SaslStepResult {
    const final = parseClientFinal(message);
    if (isRefusal(final)) return fail(final.condition, final.text);
    const first = this.first!;
    const keys = this.keys!;
    // RFC 5802 §5.1: c= is the base64 gs2-header ("biws" for "n,,", "eSws" for "y,,").
    if (!final.channelBinding.equals(Buffer.from(first.gs2Header))) return fail('not-authorized', 'channel binding mismatch');
    if (final.nonce !== this.nonce) return fail('not-authorized', 'nonce mismatch');
    if (final.proof.length !== hashLength(this.mechanism)) return fail('malformed-request', 'bad proof length');

    // RFC 5802 §3: AuthMessage := client-first-message-bare + "," + server-first-message + ","
    //   + client-final-message-without-proof; ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage)
    //   must hash to StoredKey.
    const authMessage = `${first.bare},${this.serverFirst},${final.withoutProof}`;
    const storedKey = Buffer.from(keys.storedKey, 'base64');
    const clientSignature = scramHmac(this.mechanism, storedKey, authMessage);
    const clientKey = Buffer.from(final.proof.map((byte, i) => byte ^ clientSignature[i]));
    const candidate = scramHash(this.mechanism, clientKey);
    if (candidate.length !== storedKey.length || !timingSafeEqual(candidate, storedKey)) return fail('not-authorized');

    // RFC 5802 §3: ServerSignature := HMAC(ServerKey, AuthMessage), sent as server-final "v=".
    const serverSignature = scramHmac(this.mechanism, Buffer.from(keys.serverKey, 'base64'), authMessage);
    this.authenticated = first.username;
    return { kind: 'success', data: Buffer.from(`v=${serverSignature.toString('base64')}`) };
  }

  /**
   * Keys for a user that does not exist, so that the exchange looks the same as for a wrong
   * password and fails only at the proof: a salt that is stable per username (as a real one
   * would be) and random keys no proof can match.
   */
  private unknownUserKeys(username: string): ScramKeys {
    const secret = this.options.unknownUserSecret ?? processSecret;
    const salt = createHmac('sha256', secret).update(`${this.mechanism}\0${username}`).digest().subarray(0, 16);
    const length = hashLength(this.mechanism);
    return {
      salt: salt.toString('base64'),
      iterations: DEFAULT_SCRAM_ITERATIONS,
      storedKey: randomBytes(length).toString('base64'),
      serverKey: randomBytes(length).toString('base64'),
    };
  }
}

const fail = (condition: SaslFailureCondition, text?: string): SaslStepResult => ({ kind: 'failure', condition, text });
