// Where each bound resource is. The in-memory directory is the reference behaviour; the
// cluster mode adds a Redis-backed one with the same interface.
import type { RoutedSession } from './session.js';

export interface SessionDirectory {
  /** Adds the session; returns the session it replaces (same full JID), if any. */
  bind(session: RoutedSession): RoutedSession | undefined;
  /** Removes the session if it is still the one bound to its full JID. */
  unbind(session: RoutedSession): boolean;
  get(fullJid: string): RoutedSession | undefined;
  /** All bound resources of a bare JID (an empty array when none). */
  resourcesOf(bareJid: string): readonly RoutedSession[];
  /** Every session bound on this node (not other nodes' in a fleet). */
  all(): RoutedSession[];
  /** A bound session's availability, priority or last presence changed (a fleet tells the other nodes). */
  presenceChanged?(session: RoutedSession): void;
  readonly size: number;
}

const NONE: readonly RoutedSession[] = Object.freeze([]);

export class LocalSessionDirectory implements SessionDirectory {
  private readonly byFull = new Map<string, RoutedSession>();
  private readonly byBare = new Map<string, RoutedSession[]>();

  get size(): number {
    return this.byFull.size;
  }

  bind(session: RoutedSession): RoutedSession | undefined {
    const replaced = this.byFull.get(session.jid.full);
    if (replaced) this.unbind(replaced);
    this.byFull.set(session.jid.full, session);
    const list = this.byBare.get(session.jid.bare);
    if (list) list.push(session);
    else this.byBare.set(session.jid.bare, [session]);
    return replaced;
  }

  unbind(session: RoutedSession): boolean {
    if (this.byFull.get(session.jid.full) !== session) return false;
    this.byFull.delete(session.jid.full);
    const list = this.byBare.get(session.jid.bare);
    if (list) {
      const rest = list.filter((s) => s !== session);
      if (rest.length) this.byBare.set(session.jid.bare, rest);
      else this.byBare.delete(session.jid.bare);
    }
    return true;
  }

  get(fullJid: string): RoutedSession | undefined {
    return this.byFull.get(fullJid);
  }

  all(): RoutedSession[] {
    return [...this.byFull.values()];
  }

  resourcesOf(bareJid: string): readonly RoutedSession[] {
    return this.byBare.get(bareJid) ?? NONE;
  }
}
