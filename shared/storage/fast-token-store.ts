// Where XEP-0484 (FAST) tokens are kept: per account and per client (the SASL2 <user-agent id>),
// two slots as XEP-0484 §5.1 (Implementation Notes) suggests — 'current', the token the client
// last used, and 'next', the newest one issued and not used yet. Kept in the per-account
// documents (AccountDataStore), so every backend that has those (LMDB, ScyllaDB) has FAST tokens,
// one point read per FAST login, and deleting an account deletes its tokens.
import { createHash } from 'node:crypto';
import type { AccountDataStore } from './types.js';

/** One token as the server keeps it. */
export interface FastToken {
  /** The secret itself: HT-* mechanisms key their HMAC with it (draft-schmaus-kitten-sasl-ht §3). */
  token: string;
  /** The mechanism the client asked for: the token is valid with that one only (XEP-0484 §4.3). */
  mechanism: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The last 0-RTT replay counter seen with this token (XEP-0484 §4.3), if the client sends one. */
  count?: number;
}

/** The tokens of one client of one account. */
export interface FastTokenSlots {
  current?: FastToken;
  next?: FastToken;
}

export interface FastTokenStore {
  get(owner: string, clientId: string): Promise<FastTokenSlots | undefined>;
  /**
   * Creates or replaces a client's slots. A client the account had no tokens for may push out
   * the account's other clients: at most `maxClients` are kept, those whose tokens expire first go.
   */
  put(owner: string, clientId: string, slots: FastTokenSlots): Promise<void>;
  delete(owner: string, clientId: string): Promise<void>;
}

const PREFIX = 'fast:';

/** The key of a client's slots: a hash, so a long or odd client id makes a short plain key and is not stored. */
function keyOf(clientId: string): string {
  return PREFIX + createHash('sha256').update(clientId).digest('base64url');
}

function lastExpiry(slots: FastTokenSlots | undefined): number {
  return Math.max(slots?.current?.expiresAt ?? 0, slots?.next?.expiresAt ?? 0);
}

function parse(value: string | undefined): FastTokenSlots | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as FastTokenSlots;
  } catch {
    return undefined;
  }
}

export function createFastTokenStore(data: AccountDataStore, maxClients = 32): FastTokenStore {
  return {
    get: async (owner, clientId) => parse(await data.get(owner, keyOf(clientId))),

    put: async (owner, clientId, slots) => {
      const key = keyOf(clientId);
      const others = (await data.keys(owner, PREFIX, maxClients + 1)).filter((k) => k !== key);
      if (others.length >= maxClients) {
        // Bounded per account: forget the clients whose tokens run out first (expired ones included).
        const expiries = await Promise.all(others.map(async (k) => ({ k, at: lastExpiry(parse(await data.get(owner, k))) })));
        expiries.sort((a, b) => a.at - b.at);
        for (const { k } of expiries.slice(0, others.length - maxClients + 1)) await data.delete(owner, k);
      }
      await data.put(owner, key, JSON.stringify(slots));
    },

    delete: (owner, clientId) => data.delete(owner, keyOf(clientId)),
  };
}
