// XEP-0484 Fast Authentication Streamlining Tokens, the server side: tokens issued in a SASL2
// <success/>, checked with the HT-SHA-256-NONE mechanism of draft-schmaus-kitten-sasl-ht in one
// round trip, rotated and invalidated as §4.4–§4.5 say. Storage: shared/storage/fast-token-store.ts.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Element } from 'ltx';
import type { FastToken, FastTokenSlots, FastTokenStore } from '../shared/storage/fast-token-store.js';
import { NS } from '../shared/xml/namespaces.js';

export const NS_FAST = NS.fast;

/** The FAST mechanisms offered. -ENDP/-EXPR (channel binding) are not: the TLS layer does not expose its binding data here. */
export const FAST_MECHANISMS = ['HT-SHA-256-NONE'] as const;
export type FastMechanism = (typeof FAST_MECHANISMS)[number];

export function isFastMechanism(name: string | undefined): name is FastMechanism {
  return (FAST_MECHANISMS as readonly string[]).includes(name ?? '');
}

/** draft-schmaus-kitten-sasl-ht §3: HMAC(token, "Initiator" || cb-data) or HMAC(token, "Responder" || cb-data); -NONE has no cb-data. */
export function htHash(token: string, role: 'Initiator' | 'Responder'): Buffer {
  return createHmac('sha256', token).update(role).digest();
}

/** The initial response of an HT mechanism: authcid NUL initiator-hashed-token. */
export function parseHtResponse(data: Buffer): { authcid: string; hash: Buffer } | undefined {
  const nul = data.indexOf(0);
  if (nul <= 0 || nul === data.length - 1) return undefined;
  return { authcid: data.subarray(0, nul).toString('utf8'), hash: data.subarray(nul + 1) };
}

/** What the client put in its <authenticate/> for FAST. */
export interface FastRequest {
  /** <request-token mechanism/>: the mechanism the new token is for. */
  requestToken?: string;
  /** <fast/> was present: the client authenticates with a token. */
  usingToken: boolean;
  /** <fast invalidate='true'/>: the token used is void after this login (§4.5). */
  invalidate: boolean;
  /** <fast count/> (0-RTT replay counter), when given. */
  count?: number;
}

export function parseFastRequest(authenticate: Element): FastRequest {
  const fast = authenticate.getChild('fast', NS_FAST);
  const count = Number.parseInt(fast?.attrs.count ?? '', 10);
  return {
    requestToken: authenticate.getChild('request-token', NS_FAST)?.attrs.mechanism,
    usingToken: fast !== undefined,
    invalidate: fast?.attrs.invalidate === 'true' || fast?.attrs.invalidate === '1',
    count: Number.isSafeInteger(count) && count >= 0 ? count : undefined,
  };
}

/** The token a login used: which slot it was in. */
export interface UsedToken {
  slot: 'current' | 'next';
  token: FastToken;
  slots: FastTokenSlots;
}

export class FastTokens {
  constructor(
    private readonly store: FastTokenStore,
    readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Checks an HT initial response against the client's tokens, the newer slot first (§5.1):
   * same mechanism, not expired, a replay counter above the last one, the hash compared in
   * constant time. Undefined: no such token (the login fails with not-authorized).
   */
  async verify(owner: string, clientId: string, mechanism: string, hash: Buffer, count?: number): Promise<UsedToken | undefined> {
    const slots = await this.store.get(owner, clientId);
    if (!slots) return undefined;
    for (const slot of ['next', 'current'] as const) {
      const token = slots[slot];
      if (!token || token.mechanism !== mechanism || token.expiresAt <= this.now()) continue;
      if (count !== undefined && token.count !== undefined && count <= token.count) continue;
      const expected = htHash(token.token, 'Initiator');
      if (expected.length === hash.length && timingSafeEqual(expected, hash)) return { slot, token, slots };
    }
    return undefined;
  }

  /**
   * After a successful login: stores what changed and resolves to the token to hand out, if any.
   * A used 'next' token becomes 'current' (older ones are void, §4.4); `invalidate` drops the
   * client's tokens (§4.5); a new token goes to 'next' when the client asked for one, or when the
   * token used has less than half its lifetime left (rotation, §4.4) and it did not invalidate.
   */
  async settle(owner: string, clientId: string, request: FastRequest, used: UsedToken | undefined): Promise<FastToken | undefined> {
    let slots: FastTokenSlots | undefined = used?.slots;
    let changed = false;
    if (used && request.invalidate) {
      slots = {};
      changed = true;
    } else if (used) {
      const token = request.count === undefined ? used.token : { ...used.token, count: request.count };
      slots = used.slot === 'next' ? { current: token } : { ...used.slots, current: token };
      changed = used.slot === 'next' || request.count !== undefined;
    }
    const rotate = used !== undefined && !request.invalidate && used.token.expiresAt - this.now() < this.lifetimeMs / 2;
    const mechanism = isFastMechanism(request.requestToken) ? request.requestToken : rotate ? used!.token.mechanism : undefined;
    let issued: FastToken | undefined;
    if (mechanism) {
      slots ??= (await this.store.get(owner, clientId)) ?? {};
      issued = { token: randomBytes(32).toString('base64url'), mechanism, expiresAt: this.now() + this.lifetimeMs };
      slots = { ...slots, next: issued }; // an unused earlier 'next' is void (§4.4 SHOULD)
      changed = true;
    }
    if (changed) {
      if (!slots?.current && !slots?.next) await this.store.delete(owner, clientId);
      else await this.store.put(owner, clientId, slots!);
    }
    return issued;
  }
}

/** §4.2: <token xmlns='urn:xmpp:fast:0' expiry token/> for the <success/>. */
export function tokenElement(token: FastToken): Element {
  return new Element('token', { xmlns: NS_FAST, expiry: new Date(token.expiresAt).toISOString(), token: token.token });
}

/** The <fast/> inline feature (§4.1). */
export function fastFeature(): Element {
  const fast = new Element('fast', { xmlns: NS_FAST });
  for (const mechanism of FAST_MECHANISMS) fast.c('mechanism').t(mechanism);
  return fast;
}
