// A resource bound on another node, as this node's router sees it: its presence facts come from
// the directory view, and what the router delivers to it goes to that node's inbox.
import type { Element } from 'ltx';
import type { Jid } from '../jid.js';
import type { ResourcePresence, RoutedSession } from '../router/session.js';
import type { StreamErrorCondition } from '../xml/errors.js';

export interface RemoteSessionTransport {
  /** Sends the stanza to `fullJid`'s session on `nodeId`. */
  deliverRemote(nodeId: string, fullJid: string, stanza: Element): void;
  terminateRemote(nodeId: string, fullJid: string, sessionId: string, condition: StreamErrorCondition, text?: string): void;
}

export class RemoteSession implements RoutedSession {
  readonly remote = true;
  readonly presence: ResourcePresence;

  constructor(
    readonly id: string,
    readonly jid: Jid,
    readonly nodeId: string,
    presence: Pick<ResourcePresence, 'available' | 'priority' | 'last' | 'carbons'>,
    private readonly transport: RemoteSessionTransport,
  ) {
    // Roster pushes go to every remote resource; its node filters (cluster-node.ts).
    this.presence = { ...presence, rosterInterested: true };
  }

  deliver(stanza: Element): void {
    this.transport.deliverRemote(this.nodeId, this.jid.full, stanza);
  }

  terminate(condition: StreamErrorCondition, text?: string): void {
    this.transport.terminateRemote(this.nodeId, this.jid.full, this.id, condition, text);
  }
}

export function isRemoteSession(session: RoutedSession): session is RemoteSession {
  return (session as Partial<RemoteSession>).remote === true;
}
