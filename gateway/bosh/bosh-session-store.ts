// Where BOSH sessions are found by `sid` (XEP-0124 §7), in two parts so that a session can
// outlive the gateway that created it (docs/web-transports.md, "Surviving the gateway"):
//
// - `BoshSessionStore`: the live sessions of this gateway process (the HTTP requests it holds,
//   the ClientSession and its routing). Synchronous, in memory, like the c2s connection list.
// - `BoshSessionStateStore`: the plain-data part (`BoshSessionState`) kept where every gateway can
//   read it, with a TTL of the inactivity period. In memory (nothing survives) in the all-in-one;
//   the cluster issue adds the Redis implementation and the take-over on a gateway that receives
//   a request for a sid it does not hold.
import type { BoshSession } from './bosh-session.js';

export interface BoshSessionStore {
  get(sid: string): BoshSession | undefined;
  add(session: BoshSession): void;
  delete(sid: string): void;
  size(): number;
  sessions(): Iterable<BoshSession>;
}

export function inMemoryBoshSessionStore(): BoshSessionStore {
  const bySid = new Map<string, BoshSession>();
  return {
    get: (sid) => bySid.get(sid),
    add: (session) => { bySid.set(session.sid, session); },
    delete: (sid) => { bySid.delete(sid); },
    size: () => bySid.size,
    sessions: () => bySid.values(),
  };
}

/**
 * What another gateway needs to continue a session (plain JSON-able data). The live HTTP requests
 * are not in it: a client whose gateway died re-sends its unanswered requests (XEP-0124 §14.3),
 * and they reach the new gateway.
 */
export interface BoshSessionState {
  sid: string;
  /** The bound full JID; undefined before resource binding (such a session is not worth moving). */
  jid?: string;
  /** The highest rid processed (XEP-0124 §14.2). */
  lastRid: number;
  wait: number;
  hold: number;
  /** The client asked for acknowledgements (§9). */
  acks: boolean;
  /** A polling session (§12). */
  polling: boolean;
  /** The last `requests` responses by rid, for repeated requests (§14.3). */
  responses: Array<[rid: number, body: string]>;
  /** Output for the client not answered yet (XML strings, in order). */
  queued: string[];
}

/** Shared state of BOSH sessions, by sid, expiring after the session's inactivity period. */
export interface BoshSessionStateStore {
  save(state: BoshSessionState, ttlSeconds: number): Promise<void>;
  load(sid: string): Promise<BoshSessionState | undefined>;
  delete(sid: string): Promise<void>;
}

/**
 * The reference behaviour of `BoshSessionStateStore` (what the Redis one must match, see
 * bosh-session-state-contract.ts): states by sid, gone after their TTL, copies not references.
 * Nothing outlives the process, so in the all-in-one it only serves tests.
 */
export function inMemoryBoshSessionStateStore(now: () => number = Date.now): BoshSessionStateStore {
  const bySid = new Map<string, { json: string; expiresAt: number }>();
  return {
    save: async (state, ttlSeconds) => {
      bySid.set(state.sid, { json: JSON.stringify(state), expiresAt: now() + ttlSeconds * 1000 });
    },
    load: async (sid) => {
      const entry = bySid.get(sid);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        bySid.delete(sid);
        return undefined;
      }
      return JSON.parse(entry.json) as BoshSessionState;
    },
    delete: async (sid) => { bySid.delete(sid); },
  };
}
