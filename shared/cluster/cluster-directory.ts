// The session directory of a node in a fleet: its own sessions, plus a view of every other
// node's sessions kept in memory so the RFC 6121 §8 routing rules stay synchronous and identical
// to the all-in-one's (shared/router/local-delivery.ts does not know which sessions are remote).
//
// Redis is the source of truth (session-registry.ts). The view is fed by the directory channel
// (directory-sync.ts) and rebuilt from Redis whenever this node (re)connects, so a lost pub/sub
// message is repaired at the latest by the next resync. Costs: one small object per remote session
// per node (docs/cluster.md sizes it).
import { Element, parse } from 'ltx';
import { parseJid } from '../jid.js';
import type { Logger } from '../log.js';
import { LocalSessionDirectory, type SessionDirectory } from '../router/session-directory.js';
import type { RoutedSession } from '../router/session.js';
import { RemoteSession, type RemoteSessionTransport } from './remote-session.js';
import type { RegisteredResource, SessionRegistry } from './session-registry.js';

/** What a node tells the others about one of its sessions. */
export interface DirectoryEvent {
  kind: 'bind' | 'presence' | 'unbind';
  nodeId: string;
  sessionId: string;
  fullJid: string;
  available?: boolean;
  priority?: number;
  presenceXml?: string;
  /** XEP-0280 carbons on (record version 2, session-registry.ts; absent = off). */
  carbons?: boolean;
}

export interface DirectoryPublisher {
  publish(event: DirectoryEvent): void;
}

export class ClusterSessionDirectory implements SessionDirectory {
  private readonly local = new LocalSessionDirectory();
  private readonly remoteByFull = new Map<string, RemoteSession>();
  private readonly remoteByBare = new Map<string, RemoteSession[]>();
  private readonly log: Logger;
  publisher: DirectoryPublisher | undefined;
  /**
   * Loads from Redis in progress (loadNode), each with what changed since it began: an event is
   * newer than a snapshot read before it. Per load: a load that began later must not skip what
   * an earlier one saw change (a node forgotten and back since).
   */
  private readonly loads = new Set<{ touched: Set<string>; gone: Set<string> }>();

  constructor(
    readonly nodeId: string,
    private readonly registry: SessionRegistry,
    private readonly transport: RemoteSessionTransport,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'cluster-directory' });
  }

  get size(): number {
    return this.local.size;
  }

  get remoteSize(): number {
    return this.remoteByFull.size;
  }

  all(): RoutedSession[] {
    return this.local.all();
  }

  bind(session: RoutedSession): RoutedSession | undefined {
    const replacedRemote = this.remoteByFull.get(session.jid.full);
    if (replacedRemote) this.dropRemote(replacedRemote);
    const replaced = this.local.bind(session);
    this.announce('bind', session);
    return replaced ?? replacedRemote;
  }

  unbind(session: RoutedSession): boolean {
    if (session instanceof RemoteSession) return this.dropRemote(session);
    if (!this.local.unbind(session)) return false;
    this.registry.remove(session.jid.full, this.nodeId, session.id).catch((err: Error) => this.log.debug({ err: err.message }, 'directory: remove not written'));
    this.publisher?.publish({ kind: 'unbind', nodeId: this.nodeId, sessionId: session.id, fullJid: session.jid.full });
    return true;
  }

  /** A local session's availability, priority or broadcast presence changed. */
  presenceChanged(session: RoutedSession): void {
    if (session instanceof RemoteSession || this.local.get(session.jid.full) !== session) return;
    this.announce('presence', session);
  }

  get(fullJid: string): RoutedSession | undefined {
    return this.local.get(fullJid) ?? this.remoteByFull.get(fullJid);
  }

  getLocal(fullJid: string): RoutedSession | undefined {
    return this.local.get(fullJid);
  }

  resourcesOf(bareJid: string): readonly RoutedSession[] {
    const here = this.local.resourcesOf(bareJid);
    const there = this.remoteByBare.get(bareJid);
    if (!there) return here;
    if (here.length === 0) return there;
    return [...here, ...there];
  }

  /** Applies another node's event to the view (events of this node are ignored). */
  apply(event: DirectoryEvent): void {
    if (event.nodeId === this.nodeId) return;
    for (const load of this.loads) load.touched.add(event.fullJid);
    const existing = this.remoteByFull.get(event.fullJid);
    if (event.kind === 'unbind') {
      if (existing && existing.id === event.sessionId) this.dropRemote(existing);
      return;
    }
    this.upsertRemote(event.fullJid, {
      resource: '',
      nodeId: event.nodeId,
      sessionId: event.sessionId,
      available: event.available ?? false,
      priority: event.priority ?? 0,
      presenceXml: event.presenceXml,
      carbons: event.carbons === true,
    });
  }

  /** Drops every remote entry of a node (it was reaped or left). */
  forgetNode(nodeId: string): RemoteSession[] {
    for (const load of this.loads) load.gone.add(nodeId);
    const gone = [...this.remoteByFull.values()].filter((s) => s.nodeId === nodeId);
    for (const s of gone) this.dropRemote(s);
    return gone;
  }

  /** Adds a node's sessions from Redis to the view (a node that joined, or came back). */
  async loadNode(nodeId: string): Promise<void> {
    if (nodeId === this.nodeId) return;
    const load = { touched: new Set<string>(), gone: new Set<string>() };
    this.loads.add(load);
    try {
      const entries = await this.registry.entriesOfNode(nodeId);
      // What the channel said while Redis was read wins over the snapshot (a session parked, or
      // its node gone meanwhile, must not come back as a stale entry pointing at that node).
      for (const { fullJid, entry } of entries) {
        if (load.touched.has(fullJid) || load.gone.has(entry.nodeId)) continue;
        this.upsertRemote(fullJid, entry);
      }
    } finally {
      this.loads.delete(load);
    }
  }

  /** Rebuilds the remote view from Redis for the given live nodes, and re-registers (and re-announces) this node's own sessions. */
  async resync(liveNodes: string[]): Promise<void> {
    for (const s of this.local.all()) this.announce('bind', s);
    const seen = new Set<string>();
    for (const nodeId of liveNodes) {
      if (nodeId === this.nodeId) continue;
      for (const { fullJid, entry } of await this.registry.entriesOfNode(nodeId)) {
        seen.add(fullJid);
        this.upsertRemote(fullJid, entry);
      }
    }
    for (const s of [...this.remoteByFull.values()]) if (!seen.has(s.jid.full)) this.dropRemote(s);
  }

  private announce(kind: 'bind' | 'presence', session: RoutedSession): void {
    const entry = this.entryOf(session);
    this.registry.put(session.jid.full, entry).catch((err: Error) => this.log.debug({ err: err.message }, 'directory: put not written'));
    this.publisher?.publish({ kind, fullJid: session.jid.full, ...entry });
  }

  private entryOf(session: RoutedSession): Omit<RegisteredResource, 'resource'> {
    const p = session.presence;
    const presenceXml = p.last?.toString();
    return { nodeId: this.nodeId, sessionId: session.id, available: p.available, priority: p.priority, presenceXml, ...(p.carbons ? { carbons: true } : {}) };
  }

  private upsertRemote(fullJid: string, entry: RegisteredResource): void {
    const jid = parseJid(fullJid);
    if (!jid?.resource) return;
    if (this.local.get(fullJid)) return; // ours is newer by construction: a bind here replaced it
    const existing = this.remoteByFull.get(fullJid);
    let last: Element | undefined;
    if (entry.presenceXml) {
      try {
        last = parse(entry.presenceXml) as Element;
      } catch {
        last = undefined;
      }
    }
    if (existing && existing.id === entry.sessionId && existing.nodeId === entry.nodeId) {
      existing.presence.available = entry.available;
      existing.presence.priority = entry.priority;
      existing.presence.last = last;
      existing.presence.carbons = entry.carbons === true;
      return;
    }
    if (existing) this.dropRemote(existing);
    const session = new RemoteSession(entry.sessionId, jid, entry.nodeId, { available: entry.available, priority: entry.priority, last, carbons: entry.carbons === true }, this.transport);
    this.remoteByFull.set(fullJid, session);
    const list = this.remoteByBare.get(jid.bare);
    if (list) list.push(session);
    else this.remoteByBare.set(jid.bare, [session]);
  }

  private dropRemote(session: RemoteSession): boolean {
    if (this.remoteByFull.get(session.jid.full) !== session) return false;
    this.remoteByFull.delete(session.jid.full);
    const list = this.remoteByBare.get(session.jid.bare);
    if (list) {
      const rest = list.filter((s) => s !== session);
      if (rest.length) this.remoteByBare.set(session.jid.bare, rest);
      else this.remoteByBare.delete(session.jid.bare);
    }
    return true;
  }
}
