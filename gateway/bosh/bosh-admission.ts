// Abuse control of BOSH session creation (docs/abuse.md): creating a session is opening a
// connection, so it goes through the same guard as a TCP or WebSocket connection (bans,
// connections per address and per /24 or /64, sessions open at once per address), and an
// admitted session counts as open until it ends. A refusal is the `policy-violation` stream
// error the TCP path sends, carried as XEP-0206 remote-stream-error (HTTP 200, XEP-0124 §17.2).
import type { AbuseGuard } from '../../shared/abuse/abuse-guard.js';
import { connectionRefusalText } from '../../shared/abuse/sasl-refusal.js';
import { streamErrorContent, terminateXml } from './bosh-body.js';

export type BoshAdmission =
  /** `release` must be called once when the session ends (or is never created). */
  | { admitted: true; release(): void }
  | { admitted: false; terminateBody: string };

const NOTHING_TO_RELEASE = { admitted: true as const, release(): void {} };

export async function admitBoshSession(guard: AbuseGuard | undefined, address: string): Promise<BoshAdmission> {
  if (!guard) return NOTHING_TO_RELEASE;
  const refusal = await guard.admitConnection(address);
  if (refusal) return { admitted: false, terminateBody: terminateXml('remote-stream-error', streamErrorContent('policy-violation', connectionRefusalText(refusal))) };
  let released = false;
  return {
    admitted: true,
    release() {
      if (released) return;
      released = true;
      guard.connectionClosed(address);
    },
  };
}
