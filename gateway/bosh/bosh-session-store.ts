// Where BOSH sessions are found by `sid` (XEP-0124 §7). In memory here; the interface is kept
// small so that a Redis implementation can hold the part of a session that must survive the
// gateway that created it (the sid, the request-id window, the cached responses, the bound JID:
// `BoshSession.snapshot()`), while the live HTTP requests stay on whichever gateway receives them.
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
