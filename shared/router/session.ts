// What the router knows of one bound resource, whatever transport carries it.
import type { Element } from 'ltx';
import type { Jid } from '../jid.js';
import type { StreamErrorCondition } from '../xml/errors.js';

/** Presence state of one resource (RFC 6121 §4). */
export interface ResourcePresence {
  /** Sent initial presence and not unavailable since. */
  available: boolean;
  priority: number;
  /** The last broadcast presence, answered to probes. */
  last?: Element;
  /** Full JIDs this resource sent directed presence to (RFC 6121 §4.6), told when it goes offline; created on first use (most sessions never send any). */
  directedTo?: Set<string>;
  /** Requested the roster, so gets roster pushes (RFC 6121 §2.1.6 "interested resource"). */
  rosterInterested: boolean;
  /** Enabled Message Carbons (XEP-0280). Kept here with the other per-resource routing state. */
  carbons?: boolean;
}

export interface RoutedSession {
  readonly id: string;
  readonly jid: Jid;
  readonly presence: ResourcePresence;
  /** How the client is connected (tcp, tls, websocket, bosh), shown by the admin API. */
  readonly transportKind?: string;
  /** Bound on another node of a fleet (shared/cluster/remote-session.ts); that node ends it. */
  readonly remote?: boolean;
  /** Queues a stanza for the client; never blocks (a client that does not read is cut off). */
  deliver(stanza: Element): void;
  /** Ends the session with a stream error, e.g. `conflict` when another login replaces it. */
  terminate(condition: StreamErrorCondition, text?: string): void;
}

export function newResourcePresence(): ResourcePresence {
  return { available: false, priority: 0, rosterInterested: false };
}
