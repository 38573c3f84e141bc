// A node of a fleet: its Redis connections, heartbeat, directory view, bus and the reaping of
// dead nodes, wired to the node's router. The router's routing code is unchanged: remote
// sessions and remote component links look like local ones (RemoteSession, RemoteComponentLink)
// whose delivery goes to the owning node's durable inbox (node-bus.ts).
import { Element, parse } from 'ltx';
import type { Redis } from 'ioredis';
import { parseJid } from '../jid.js';
import type { Logger } from '../log.js';
import type { Router } from '../router/router.js';
import type { ComponentLink, SendOutcome } from '../router/component-registry.js';
import type { StreamErrorCondition } from '../xml/errors.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { clusterKeys } from './keys.js';
import { CLOSED_INBOX_SECONDS, NodeBus, type BusEntry } from './node-bus.js';
import { SessionRegistry } from './session-registry.js';
import { ClusterSessionDirectory, type DirectoryEvent } from './cluster-directory.js';
import { RemoteSession, type RemoteSessionTransport } from './remote-session.js';
import { NodeHeartbeat, type NodeLoad } from './node-heartbeat.js';
import { connectedNodes } from './node-connections.js';
import { readClusterView } from './cluster-view.js';
import { busDedupId, PARKED_NODE, SessionResumptionStore, withDedupId } from './session-resumption.js';
import { FleetResumption, HANDOVER_KIND } from './resumption-fleet.js';
import { RemoteIqDeadlines } from './remote-iq-deadlines.js';

export interface ClusterNodeOptions {
  nodeId: string;
  redisUrl: string;
  role: string;
  version: string;
  heartbeatMs: number;
  /** Entries a node's inbox holds before senders get resource-constraint. */
  maxInboxEntries: number;
  logger: Logger;
  /** Bus protocol version this node speaks (default the current one; node-bus.ts). */
  busVersion?: number;
}

/** After leaving the directory, a stopping node reads its inbox this long: what others sent before they saw it leave is routed anew (docs/cluster.md, drain). */
const HANDOVER_MS = 500;
/**
 * A reaper closes the dead node's inbox only while it still holds its reap lock: a node that came
 * back meanwhile deleted the lock (watchMembers), and its inbox must stay open.
 */
const CLOSE_REAPED_INBOX = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
return 1`;

type ChannelEvent =
  | (DirectoryEvent & { v: number })
  | { v: number; kind: 'link'; up: boolean; nodeId: string; linkId: string; domain: string }
  | { v: number; kind: 'node-gone'; nodeId: string };

const CHANNEL_VERSION = 1;

/** A component link attached to another node's component port. */
class RemoteComponentLink implements ComponentLink {
  constructor(readonly id: string, readonly domain: string, readonly nodeId: string, private readonly node: ClusterNode) {}
  send(stanza: Element): SendOutcome {
    this.node.sendToLink(this, stanza);
    return 'queued';
  }
  close(): void {
    // An admin's detach reaches the owning node through the component store, not through here.
  }
}

function isRosterPush(stanza: Element): boolean {
  return stanza.name === 'iq' && stanza.attrs.type === 'set' && stanza.getChild('query', 'jabber:iq:roster') !== undefined;
}

export function isRemoteLink(link: ComponentLink): boolean {
  return link instanceof RemoteComponentLink;
}

/** Stanzas already handed across once; a second remote hop would mean the views disagree. */
const crossed = new WeakSet<Element>();

/**
 * Stanzas a reaper read from a dead node's inbox, by that node: routed anew as if just sent, one
 * hop to wherever the session is now (the gateway its client resumed on), but never back to the
 * dead node (its sessions stay in the reaper's view until they are reaped).
 */
const drainedFrom = new WeakMap<Element, string>();

export class ClusterNode implements RemoteSessionTransport {
  readonly directory: ClusterSessionDirectory;
  readonly registry: SessionRegistry;
  private bus!: NodeBus;
  private heartbeat!: NodeHeartbeat;
  private router!: Router;
  private readonly remoteLinks = new Map<string, RemoteComponentLink>();
  /** Nodes whose sessions and links are in this node's view. */
  private readonly knownLive = new Set<string>();
  private reaper: NodeJS.Timeout | undefined;
  /** IQs to sessions on other nodes and their deadline (remote-iq-deadlines.ts). */
  private remoteIqs: RemoteIqDeadlines | undefined;
  private pendingAcks: string[] = [];
  private ackScheduled = false;
  private readonly log: Logger;
  private stopped = false;
  /** When this node's Redis connection was last (re)established: nobody is reaped right after (see watchMembers). */
  private redisReadyAt = Date.now();
  /** A resync after a reconnection failed: watchMembers runs it again. */
  private resyncOwed = false;
  /** When to register this node's sessions once more after it found it had been reaped (watchMembers). */
  private announceAgainAt: number | undefined;
  /** `pampero cluster drain NODE` (a 'drain' entry in this node's inbox). */
  onDrainRequest: (() => void) | undefined;
  /** XEP-0198 state of this node's resumable sessions in Redis (session-resumption.ts). */
  readonly smStore: SessionResumptionStore;
  /** Resumption on any gateway (resumption-fleet.ts); set by start(). */
  resumption: FleetResumption | undefined;

  private constructor(
    readonly opts: ClusterNodeOptions,
    readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly reader: Redis,
  ) {
    this.log = opts.logger.child({ module: 'cluster', node: opts.nodeId });
    this.registry = new SessionRegistry(redis);
    this.directory = new ClusterSessionDirectory(opts.nodeId, this.registry, this, opts.logger);
    this.smStore = new SessionResumptionStore(redis, opts.nodeId, 5000, opts.logger);
  }

  /** Connects to Redis; pass `node.directory` to the Router, then call start(router). */
  static async connect(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const name = opts.nodeId;
    const redis = connectRedis({ url: opts.redisUrl, logger: opts.logger, connectionName: name });
    const subscriber = connectRedis({ url: opts.redisUrl, logger: opts.logger, connectionName: `${name}-sub`, commandTimeoutMs: 0 });
    const reader = connectRedis({ url: opts.redisUrl, logger: opts.logger, connectionName: `${name}-bus`, commandTimeoutMs: 0 });
    try {
      await Promise.all([redisReady(redis, 10_000), redisReady(subscriber, 10_000), redisReady(reader, 10_000)]);
    } catch (err) {
      for (const c of [redis, subscriber, reader]) c.disconnect();
      throw new Error(`cannot reach the fleet's Redis at ${opts.redisUrl}: ${(err as Error).message}`);
    }
    return new ClusterNode(opts, redis, subscriber, reader);
  }

  async start(router: Router, listening: string[], load: () => Pick<NodeLoad, 'health' | 'sessions' | 'components'>): Promise<void> {
    this.router = router;
    this.remoteIqs = new RemoteIqDeadlines(router.options.iqTimeoutMs, router.options.maxPendingIqs ?? 10_000, (iq) => router.bounce(iq, 'remote-server-timeout', 'The node of the recipient did not answer in time'));
    this.directory.publisher = { publish: (event) => this.publish({ v: CHANNEL_VERSION, ...event }) };
    // A component answers the node whose router sent the IQ; its id names that node (Router.idPrefix).
    router.foreignAnswer = (link, stanza) => {
      const id: string = stanza.attrs.id ?? '';
      const tilde = id.indexOf('~');
      if (stanza.name !== 'iq' || id[0] !== 'n' || tilde < 2) return false;
      const owner = id.slice(1, tilde);
      if (owner === this.opts.nodeId) return false;
      this.forwardFromComponent(owner, link.domain, stanza);
      return true;
    };
    router.components.onLink((link, up) => {
      if (link instanceof RemoteComponentLink) return;
      const field = `${this.opts.nodeId}|${link.id}`;
      (up ? this.redis.hset(clusterKeys.links, field, link.domain) : this.redis.hdel(clusterKeys.links, field)).catch(() => undefined);
      this.publish({ v: CHANNEL_VERSION, kind: 'link', up, nodeId: this.opts.nodeId, linkId: link.id, domain: link.domain });
    });

    this.redis.on('ready', () => (this.redisReadyAt = Date.now()));
    this.subscriber.on('message', (_channel: string, message: string) => this.onChannel(message));
    await this.subscriber.subscribe(clusterKeys.directoryChannel);
    // After a reconnection the channel may have missed events: rebuild the view from Redis.
    // The connections come back one by one: a resync that failed (the command connection not back
    // yet) is owed, and retried at the next membership check instead of never.
    this.subscriber.on('ready', () => void this.subscriber.subscribe(clusterKeys.directoryChannel).then(() => this.resync()).catch(() => (this.resyncOwed = true)));

    this.bus = new NodeBus({
      nodeId: this.opts.nodeId,
      redis: this.redis,
      reader: this.reader,
      maxInboxEntries: this.opts.maxInboxEntries,
      onEntry: (entry) => this.onBusEntry(entry),
      logger: this.opts.logger,
      protocolVersion: this.opts.busVersion,
    });
    await this.bus.start();
    this.resumption = new FleetResumption({
      nodeId: this.opts.nodeId,
      router,
      directory: this.directory,
      store: this.smStore,
      transport: this,
      publish: (event) => this.publish({ v: CHANNEL_VERSION, ...event }),
      send: async (nodeId, kind, body) => (await this.bus.send(nodeId, kind, body)) === 'queued',
      handoverWaitMs: Math.max(5000, this.opts.heartbeatMs * 6),
      logger: this.opts.logger,
    });
    // Resumable sessions a previous run of this node id held (it crashed and came back before it
    // was reaped): parked, so their clients resume them here or anywhere.
    await this.resumption.parkNode(this.opts.nodeId).then((parked) => this.resumption?.open(parked), () => undefined);

    this.heartbeat = new NodeHeartbeat({
      redis: this.redis,
      identity: { id: this.opts.nodeId, role: this.opts.role, version: this.opts.version, listening },
      load,
      intervalMs: this.opts.heartbeatMs,
      logger: this.opts.logger,
    });
    await this.heartbeat.start();
    await this.resync();
    this.reaper = setInterval(() => void this.watchMembers().catch((err: Error) => this.log.debug({ err: err.message }, 'membership check failed')), this.opts.heartbeatMs);
    this.reaper.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.reaper);
    this.remoteIqs?.stop();
    // Leaving cleanly: whatever this node still has in the directory and the link table goes, and
    // the others drop it from their views at once instead of after the down threshold.
    await this.registry.reapNode(this.opts.nodeId).catch(() => undefined);
    const links = await this.redis.hgetall(clusterKeys.links).catch(() => ({}) as Record<string, string>);
    const ours = Object.keys(links).filter((f) => f.startsWith(`${this.opts.nodeId}|`));
    if (ours.length) await this.redis.hdel(clusterKeys.links, ...ours).catch(() => undefined);
    this.publish({ v: CHANNEL_VERSION, kind: 'node-gone', nodeId: this.opts.nodeId });
    this.stopped = true;
    if (this.bus) await new Promise((r) => setTimeout(r, HANDOVER_MS)); // entries in flight are re-routed (to the sessions' new nodes or offline storage)
    await this.flushAcks();
    await this.heartbeat?.stop();
    await this.bus?.stop(); // ends its read cleanly and closes the inbox (later senders are told the node is gone)
    await this.flushAcks();
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  // RemoteSessionTransport: the router delivers to a session on another node.
  deliverRemote(nodeId: string, fullJid: string, stanza: Element): void {
    if (nodeId === PARKED_NODE) return this.resumption?.deliverParked(fullJid, stanza);
    if (crossed.has(stanza) || drainedFrom.get(stanza) === nodeId) {
      // It already crossed once and its target was gone (or it comes from that dead node's
      // inbox): treat the resource as unavailable.
      if (stanza.name === 'message' && (stanza.attrs.type ?? 'normal') !== 'groupchat') void this.router.offline.store(parseJid(fullJid)!.bare, stanza);
      return;
    }
    void this.bus.send(nodeId, 'deliver', `${fullJid}\n${stanza.toString()}`).then((outcome) => {
      if (outcome === 'queued') return this.remoteIqs?.sent(stanza, fullJid);
      if (outcome === 'gone') {
        // The node left before this view heard so: its sessions are gone (or parked, and the
        // channel says so in a moment), so as for a resource that is gone (RFC 6121 §8.5.3.2).
        // Forgotten first: the view no longer points there, so this cannot come back here.
        this.forgetNode(nodeId);
        const to = parseJid(fullJid);
        if (to) this.router.local.redeliver(stanza, to);
        return;
      }
      if (outcome === 'unreachable' && stanza.name === 'message') {
        // Redis is away: the message is kept where it can be, not lost.
        void this.router.offline.store(parseJid(fullJid)!.bare, stanza);
        return;
      }
      this.router.bounce(stanza, outcome === 'full' ? 'resource-constraint' : 'service-unavailable');
    });
  }

  terminateRemote(nodeId: string, fullJid: string, sessionId: string, condition: StreamErrorCondition, text?: string): void {
    if (nodeId === PARKED_NODE) return void this.resumption?.replaced(fullJid, sessionId); // no connection to end: what it held goes to the new bind
    void this.bus.send(nodeId, 'terminate', [fullJid, sessionId, condition, text ?? ''].join('\n'));
  }

  sendToLink(link: RemoteComponentLink, stanza: Element): void {
    void this.bus.send(link.nodeId, 'component', `${link.id}\n${stanza.toString()}`).then((outcome) => {
      if (outcome !== 'queued') this.router.bounce(stanza, outcome === 'full' ? 'resource-constraint' : 'service-unavailable');
    });
  }

  /** A component's stanza that belongs to another node (an answer to an IQ that node delegated). */
  forwardFromComponent(nodeId: string, domain: string, stanza: Element): void {
    void this.bus.send(nodeId, 'from-component', `${domain}\n${stanza.toString()}`);
  }

  private publish(event: ChannelEvent): void {
    if (this.stopped) return;
    this.redis.publish(clusterKeys.directoryChannel, JSON.stringify(event)).catch(() => undefined);
  }

  private onChannel(message: string): void {
    let event: ChannelEvent;
    try {
      event = JSON.parse(message) as ChannelEvent;
    } catch {
      return;
    }
    if (event.v !== CHANNEL_VERSION && event.v !== CHANNEL_VERSION - 1) return;
    if (event.nodeId === this.opts.nodeId) return;
    switch (event.kind) {
      case 'link':
        if (event.up) this.addRemoteLink(event.nodeId, event.linkId, event.domain);
        else this.dropRemoteLink(event.nodeId, event.linkId);
        return;
      case 'node-gone':
        this.forgetNode(event.nodeId);
        return;
      default:
        this.directory.apply(event);
    }
  }

  /** `drained`: the dead node whose inbox the entry was read from (drainInbox); not acknowledged then. */
  private onBusEntry(entry: BusEntry, drained?: string): void {
    try {
      const newline = entry.body.indexOf('\n');
      const head = entry.body.slice(0, newline);
      const rest = entry.body.slice(newline + 1);
      switch (entry.kind) {
        case 'deliver': {
          const stanza = parse(rest) as Element;
          if (this.remoteIqs && !this.remoteIqs.arrived(stanza)) break; // a late answer: its sender had remote-server-timeout
          const session = this.directory.getLocal(head);
          if (session && isRosterPush(stanza)) {
            // Pushes reach every node holding a resource; each node forgets its cached roster and
            // delivers only to resources that asked for the roster (RFC 6121 §2.1.6).
            this.router.delegation.cache.forget(session.jid.bare);
            if (session.presence.rosterInterested) session.deliver(stanza);
          } else if (session) withDedupId(busDedupId(drained ?? this.opts.nodeId, entry.id), () => session.deliver(stanza));
          else {
            // Sent here for a session of this node that is gone: the sender's view was behind, and
            // one hop is all it gets. Read from a dead node's inbox: routed as if just sent.
            if (drained === undefined) crossed.add(stanza);
            else drainedFrom.set(stanza, drained);
            const to = parseJid(head);
            if (to) withDedupId(busDedupId(drained ?? this.opts.nodeId, entry.id), () => this.router.local.redeliver(stanza, to)); // archived by the node that sent it
          }
          break;
        }
        case 'terminate': {
          const [fullJid, sessionId, condition, text] = entry.body.split('\n');
          const session = this.directory.getLocal(fullJid!);
          if (session && session.id === sessionId) session.terminate(condition as StreamErrorCondition, text || undefined);
          break;
        }
        case 'component': {
          const stanza = parse(rest) as Element;
          const link = this.router.components.allLinks().find((l) => l.id === head && !(l instanceof RemoteComponentLink));
          if (link) {
            if (link.send(stanza) === 'full') this.router.bounce(stanza, 'resource-constraint', 'The component is not keeping up');
          } else {
            const to = parseJid(stanza.attrs.to ?? '');
            if (to) this.router.route(stanza, to); // the link went away meanwhile: pick again
          }
          break;
        }
        case 'from-component': {
          const stanza = parse(rest) as Element;
          this.router.fromComponent({ id: `remote:${head}`, domain: head, send: () => 'closed', close: () => undefined }, stanza);
          break;
        }
        case HANDOVER_KIND:
          this.resumption?.handoverRequested(entry.body);
          break;
        case 'drain':
          this.log.warn({ from: entry.fromNode }, 'drain requested');
          this.onDrainRequest?.();
          break;
        default:
          this.log.warn({ kind: entry.kind }, 'bus entry of an unknown kind; dropped');
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message, kind: entry.kind }, 'bus entry not handled');
    }
    if (drained === undefined) this.queueAck(entry.id);
  }

  private queueAck(id: string): void {
    this.pendingAcks.push(id);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => void this.flushAcks());
  }

  private async flushAcks(): Promise<void> {
    this.ackScheduled = false;
    const ids = this.pendingAcks;
    this.pendingAcks = [];
    void this.smStore.flush(); // stanzas delivered to resumable sessions are in their Redis lists before their entries go
    if (ids.length) await this.bus.ack(...ids).catch(() => undefined); // not acked: delivered again after a restart
  }

  private addRemoteLink(nodeId: string, linkId: string, domain: string): void {
    const key = `${nodeId}|${linkId}`;
    if (this.remoteLinks.has(key)) return;
    const link = new RemoteComponentLink(linkId, domain, nodeId, this);
    this.remoteLinks.set(key, link);
    this.router.components.attach(link);
  }

  private dropRemoteLink(nodeId: string, linkId: string): void {
    const key = `${nodeId}|${linkId}`;
    const link = this.remoteLinks.get(key);
    if (!link) return;
    this.remoteLinks.delete(key);
    this.router.components.detach(link);
  }

  private forgetNode(nodeId: string): void {
    this.directory.forgetNode(nodeId);
    this.forgetLinksOf(nodeId);
  }

  /** A node's component links leave this view (rendezvous hashing picks live instances only); its sessions stay. */
  private forgetLinksOf(nodeId: string): void {
    this.knownLive.delete(nodeId);
    for (const link of [...this.remoteLinks.values()]) if (link.nodeId === nodeId) this.dropRemoteLink(nodeId, link.id);
  }

  /** Rebuilds the view of other nodes' sessions and links from Redis. */
  private async resync(): Promise<void> {
    const view = await readClusterView(this.redis, { downAfterMs: this.opts.heartbeatMs * 3 });
    const live = [...view.filter((n) => n.up).map((n) => n.id), PARKED_NODE];
    await this.directory.resync(live);
    this.knownLive.clear();
    for (const id of live) this.knownLive.add(id);
    const links = await this.redis.hgetall(clusterKeys.links);
    const seen = new Set<string>();
    for (const [field, domain] of Object.entries(links)) {
      const [nodeId, linkId] = field.split('|');
      if (!nodeId || !linkId || nodeId === this.opts.nodeId || !live.includes(nodeId)) continue;
      seen.add(field);
      this.addRemoteLink(nodeId, linkId, domain);
    }
    for (const [key, link] of [...this.remoteLinks]) if (!seen.has(key)) this.dropRemoteLink(link.nodeId, link.id);
    // Our own links, in case Redis lost them.
    for (const link of this.router.components.allLinks()) {
      if (!(link instanceof RemoteComponentLink)) await this.redis.hset(clusterKeys.links, `${this.opts.nodeId}|${link.id}`, link.domain);
    }
  }

  /**
   * After this node was reaped while only stuck: its sessions in the directory again (the view
   * rebuilt), their presence to their contacts again — the reaper told them these users were
   * unavailable — and what was stored offline for them meanwhile (the fleet routed it as to users
   * gone) delivered on the connections they kept.
   */
  private async announceAgain(): Promise<void> {
    await this.resync();
    for (const session of this.directory.all()) {
      this.router.presence.rebroadcast(session);
      if (session.presence.available && session.presence.priority >= 0) void this.router.offline.flushTo(session);
    }
  }

  /**
   * A dead node's inbox: what others sent it (delivered or not, never acknowledged) is routed
   * anew — to parked sessions' lists (without duplicates), sessions' new nodes, offline storage.
   * Resolves to the cursor to go on from (watchMembers reads again, after a pause, what senders
   * wrote before they saw the node gone, then deletes the inbox).
   */
  private async drainInbox(deadNode: string, cursor = '-'): Promise<string> {
    const key = clusterKeys.inbox(deadNode);
    for (;;) {
      const page = (await this.redis.xrange(key, cursor, '+', 'COUNT', 200)) as Array<[string, string[]]>;
      for (const [id, fields] of page) {
        const map: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
        if (map.k === 'deliver' || map.k === 'component' || map.k === 'from-component') {
          this.onBusEntry({ id, version: Number(map.v), kind: map.k, body: map.b ?? '', fromNode: map.f ?? '' }, deadNode);
        }
      }
      // Gone once routed (issued after what routing wrote): a node coming back with this id, or
      // another reaper should this one stop, does not route them twice.
      if (page.length) await this.redis.xdel(key, ...page.map(([id]) => id));
      if (page.length) cursor = `(${page[page.length - 1]![0]}`;
      if (page.length < 200) return cursor;
    }
  }

  /**
   * Nodes silent for three heartbeats (or for one, with no Redis connection left) are dead: every node drops them from its view; one node
   * (holding the reap lock) removes their directory entries and links from Redis and sends
   * unavailable presence on behalf of their sessions.
   */
  private async watchMembers(): Promise<void> {
    // Declared dead while it was only stuck (SIGSTOP, a long pause): the others reaped this node's
    // sessions, so it announces them again, and can be reaped again should it really die.
    if (this.resyncOwed) {
      this.resyncOwed = false;
      await this.resync().catch((err: Error) => {
        this.resyncOwed = true;
        throw err;
      });
    }
    if (await this.redis.del(clusterKeys.reapLock(this.opts.nodeId))) {
      this.log.warn('this node was reaped while it was silent; registering its sessions again');
      await this.redis.del(clusterKeys.inboxClosed(this.opts.nodeId)); // its reaper closed it
      await this.resumption?.reclaim(); // its resumable sessions were parked, and what came for them meanwhile waits there
      await this.announceAgain();
      // A reaper may still be at work (a pause that ends as the others notice it is the common
      // case): what it deletes and the unavailable presence it sends after this are undone once
      // more when it is surely done.
      this.announceAgainAt = Date.now() + this.opts.heartbeatMs * 3;
    } else if (this.announceAgainAt !== undefined && Date.now() >= this.announceAgainAt) {
      this.announceAgainAt = undefined;
      await this.announceAgain();
    }
    await this.resumption?.sweep().catch((err: Error) => this.log.debug({ err: err.message }, 'sweep of parked sessions failed')); // resumption timeouts
    const view = await readClusterView(this.redis, { downAfterMs: this.opts.heartbeatMs * 3 });
    // A killed process loses its Redis connections at once: one missed beat is then enough (node-connections.ts).
    const late = view.filter((n) => n.up && n.id !== this.opts.nodeId && n.silentForMs > this.opts.heartbeatMs);
    const connected = late.length > 0 ? await connectedNodes(this.redis) : undefined;
    for (const node of late) if (connected && !connected.has(node.id)) node.up = false;
    // A node this one has not seen (it joined, or beats again after Redis came back): load its state.
    for (const node of view) {
      if (!node.up || node.id === this.opts.nodeId || this.knownLive.has(node.id)) continue;
      this.knownLive.add(node.id);
      await this.directory.loadNode(node.id);
      const links = await this.redis.hgetall(clusterKeys.links);
      for (const [field, domain] of Object.entries(links)) {
        const [nodeId, linkId] = field.split('|');
        if (nodeId === node.id && linkId) this.addRemoteLink(nodeId, linkId, domain);
      }
    }
    // Redis just came back (restarted from its AOF, every beat in it is old): the others beat
    // again within a heartbeat, so nobody is declared dead before a full down threshold passed.
    const settling = Date.now() - this.redisReadyAt < this.opts.heartbeatMs * 3;
    for (const node of view) {
      if (settling || node.up || node.id === this.opts.nodeId) continue;
      const lock = await this.redis.set(clusterKeys.reapLock(node.id), this.opts.nodeId, 'PX', 10 * 60_000, 'NX');
      if (lock !== 'OK') {
        // Another node reaps it (or did). Its links go now, so components fail over at once; its
        // sessions stay in this view until the reaper says where they went — each resumable one
        // to PARKED_NODE as it parks it, the rest gone with its node-gone (or, that missed, when
        // the closed inbox refuses a send). Forgotten here, a session not parked yet would look
        // gone: a message for it stored offline instead of in the list its client resumes.
        // Meanwhile what this node sends them waits in the dead node's inbox for the reaper.
        this.forgetLinksOf(node.id);
        continue;
      }
      this.log.warn({ dead: node.id }, 'reaping a dead node');
      // Resumable sessions wait for their clients instead; its inbox is drained at once, so clients
      // resuming elsewhere find what it never acknowledged in their lists. Failures do not stop the reaping.
      const parked = (await this.resumption?.parkNode(node.id).catch(() => [])) ?? [];
      const drained = await this.drainInbox(node.id).catch(() => '-');
      await this.resumption?.open(parked);
      const entries = await this.registry.entriesOfNode(node.id);
      const reaped = new Set(await this.registry.reapNode(node.id));
      this.forgetNode(node.id);
      for (const { fullJid, entry } of entries) {
        if (!reaped.has(fullJid)) continue;
        const jid = parseJid(fullJid);
        if (!jid) continue;
        const ghost = new RemoteSession(entry.sessionId, jid, node.id, { available: entry.available, priority: entry.priority }, this);
        this.router.presence.sessionEnded(ghost); // unavailable to contacts, through the roster component
      }
      const links = await this.redis.hgetall(clusterKeys.links);
      const stale = Object.keys(links).filter((f) => f.startsWith(`${node.id}|`));
      if (stale.length) await this.redis.hdel(clusterKeys.links, ...stale);
      this.publish({ v: CHANNEL_VERSION, kind: 'node-gone', nodeId: node.id });
      await new Promise((r) => setTimeout(r, 1000)); // senders that had not seen it gone yet
      // Closed before the last read: a sender later still is told the node is gone and routes
      // the stanza anew (to the parked session) instead of writing where nobody reads.
      await this.redis.eval(CLOSE_REAPED_INBOX, 2, clusterKeys.reapLock(node.id), clusterKeys.inboxClosed(node.id), this.opts.nodeId, CLOSED_INBOX_SECONDS).catch(() => undefined);
      await this.drainInbox(node.id, drained).catch(() => undefined);
      await this.redis.del(clusterKeys.inbox(node.id)).catch(() => undefined);
    }
  }
}
