// The `bytes-per-session` rule (docs/abuse.md): a token bucket of bytes per client connection, in
// memory, refilled at points/duration from the rule applied now. Every chunk read from the socket
// takes its length. Within budget nothing happens; over it, a `delay` rule pauses the socket's
// reads until the debt is paid back (the chunk already read is still parsed), as long as the debt
// stays within half a budget; a chunk that takes the debt beyond that (or, with `refuse`, any
// chunk over budget) ends the stream with `policy-violation` (RFC 6120 §4.9.3.14). One timer per
// paused connection, no allocation per chunk.
import type { AbuseGuard } from './abuse-guard.js';

/** What the shaper acts on: the connection's reads, and its end. */
export interface ShapedConnection {
  pauseReads(): void;
  resumeReads(): void;
  /** Ends the stream with a policy-violation stream error. */
  refuse(text: string): void;
  /** Exempt (an allow-listed account, once known): no budget applies. */
  exempt(): boolean;
}

export class ByteShaper {
  private tokens: number;
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private refused = false;

  constructor(private readonly guard: AbuseGuard, private readonly key: () => string, private readonly connection: ShapedConnection) {
    this.tokens = guard.policy.rules['bytes-per-session'].points;
  }

  /** Counts a chunk of `bytes`; false when the connection was refused (do not parse the chunk). */
  take(bytes: number): boolean {
    if (this.refused) return false;
    const rule = this.guard.policy.rules['bytes-per-session'];
    if (!rule.enabled) return true;
    const now = performance.now();
    const perMs = rule.points / (Math.max(rule.durationSeconds, 0.001) * 1000);
    this.tokens = Math.min(rule.points, this.tokens + (now - this.last) * perMs);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return true;
    if (this.connection.exempt()) {
      this.tokens = 0;
      return true;
    }
    const maxDebt = rule.action === 'delay' ? rule.points / 2 : 0;
    if (-this.tokens > maxDebt) {
      this.guard.events.refused('bytes-per-session', this.key());
      this.refused = true;
      this.stop();
      this.connection.refuse(`Too much data: more than ${rule.points} bytes per ${rule.durationSeconds} s`);
      return false;
    }
    if (!this.timer) {
      this.connection.pauseReads();
      this.timer = setTimeout(() => this.resume(), Math.ceil(-this.tokens / perMs));
      this.timer.unref();
    }
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private resume(): void {
    this.timer = undefined;
    this.connection.resumeReads();
  }
}

/** The session a shaped connection carries (gateway/client-session.ts). */
interface SessionLike {
  jid?: { full: string; bare: string } | undefined;
  terminate(condition: 'policy-violation', text: string): void;
}

/**
 * The shaper of a client connection, or undefined: abuse control off, or an allow-listed address.
 * `socket` pauses and resumes its reads: a TCP/TLS socket (gateway/c2s-connection.ts), or what
 * stands for one where reads cannot be paused (WebSocket, BOSH: the input is held unparsed). `socket` and `session` are read when needed (STARTTLS replaces
 * the socket, XEP-0198 resumption the session).
 */
export function byteShaperFor(guard: AbuseGuard | undefined, address: string | undefined, socket: () => { pause(): void; resume(): void; destroyed: boolean }, session: () => SessionLike): ByteShaper | undefined {
  if (!guard || (address && guard.isAllowedAddress(address))) return undefined;
  return new ByteShaper(guard, () => session().jid?.full ?? address ?? 'unknown', {
    pauseReads: () => socket().pause(),
    resumeReads: () => {
      const s = socket();
      if (!s.destroyed) s.resume();
    },
    refuse: (text) => session().terminate('policy-violation', text),
    exempt: () => {
      const jid = session().jid;
      return jid !== undefined && guard.isAllowedAccount(jid.bare);
    },
  });
}
