// The durable path between nodes: one Redis Stream per node (its inbox) read through a consumer
// group, so an entry stays pending until the receiver acknowledges it — after its client
// acknowledged the stanza (XEP-0198) or it went to offline storage — and survives the receiver's
// crash for whoever takes over its inbox. Inboxes are bounded: a full inbox refuses the entry
// (the sender answers resource-constraint) instead of trimming, because trimming would lose
// acknowledged messages. Every entry carries the bus protocol version; a node reads entries of
// its own version and the one before, so a rolling update never needs a full stop.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { clusterKeys } from './keys.js';
import { waitAtMost } from '../runtime/wait-at-most.js';

/** Version of the entries this code writes. Readers accept it and BUS_PROTOCOL_VERSION - 1. */
export const BUS_PROTOCOL_VERSION = 1;
const GROUP = 'pampero';

export interface BusEntry {
  /** Stream entry id; pass it to ack(). */
  id: string;
  /** Protocol version the sender wrote. */
  version: number;
  /** What the entry is: 'stanza' (XML in `body`) or a control kind a later version adds. */
  kind: string;
  body: string;
  fromNode: string;
}

/** `gone`: the node left cleanly and its inbox is closed (its sessions are gone or parked). */
export type SendOutcome = 'queued' | 'full' | 'unreachable' | 'gone';

export interface NodeBusOptions {
  nodeId: string;
  /** Commands (XADD, XACK). */
  redis: Redis;
  /** A connection of its own for the blocking XREADGROUP (connectRedis with commandTimeoutMs 0); the bus owns and closes it. */
  reader: Redis;
  /** Entries one inbox may hold (unacknowledged included) before it refuses more. */
  maxInboxEntries: number;
  /** Called for each entry; ack it (now or later) with bus.ack(entry.id). */
  onEntry: (entry: BusEntry) => void;
  logger: Logger;
  /** Entries read per XREADGROUP. */
  batchSize?: number;
  /**
   * The version this node speaks: BUS_PROTOCOL_VERSION, or the one before to run a node as the
   * previous release would (tests of mixed-version fleets; env PAMPERO_BUS_PROTOCOL_VERSION).
   */
  protocolVersion?: number;
}

// XADD only while the stream is below its bound and its node has not left; one round trip, atomic.
const BOUNDED_XADD = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'v', ARGV[2], 'k', ARGV[3], 'f', ARGV[4], 'b', ARGV[5])`;

/** How long a stop waits for the blocking read to return once unblocked (Redis away: it is cut). */
const UNBLOCK_WAIT_MS = 1500;
/**
 * How long a closed inbox stays closed when its node does not come back (it is long forgotten by
 * then). Closed by a node that stops cleanly, and by the reaper of a dead one (cluster-node.ts);
 * opened again when the node starts, or finds it was reaped while it was only stuck.
 */
export const CLOSED_INBOX_SECONDS = 7 * 86_400;

/** How often the versions the other nodes speak are read again. */
const PEER_VERSIONS_MS = 1000;

export class NodeBus {
  private running = false;
  readonly version: number;
  /** Node → the version it speaks, as it announced it (keys.busVersions). */
  private peerVersions = new Map<string, number>();
  private peerTimer: NodeJS.Timeout | undefined;
  private readLoop: Promise<void> | undefined;
  /** The reading connection's CLIENT ID, to end its blocking read at stop. */
  private readerId: number | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: NodeBusOptions) {
    this.log = opts.logger.child({ module: 'bus', node: opts.nodeId });
    this.version = opts.protocolVersion ?? BUS_PROTOCOL_VERSION;
    if (this.version !== BUS_PROTOCOL_VERSION && this.version !== BUS_PROTOCOL_VERSION - 1) {
      throw new Error(`bus protocol version ${this.version}: this release speaks ${BUS_PROTOCOL_VERSION} and ${BUS_PROTOCOL_VERSION - 1}`);
    }
    opts.redis.defineCommand('pamperoBoundedXadd', { numberOfKeys: 2, lua: BOUNDED_XADD });
  }

  /** Creates the inbox's group if needed, delivers entries left pending by an earlier run, then new ones. */
  async start(): Promise<void> {
    await this.opts.redis.del(clusterKeys.inboxClosed(this.opts.nodeId)); // back (a restart): open again
    await this.ensureGroup(this.opts.nodeId);
    this.readerId = (await this.opts.reader.client('ID').catch(() => undefined)) as number | undefined;
    await this.announceVersion();
    this.running = true;
    this.readLoop = this.read();
    this.peerTimer = setInterval(() => void this.announceVersion().catch(() => undefined), PEER_VERSIONS_MS);
    this.peerTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.peerTimer);
    // Whoever writes to this inbox meanwhile uses N-1 until this node announces itself again
    // (it may come back speaking the previous version).
    await this.opts.redis.hdel(clusterKeys.busVersions, this.opts.nodeId).catch(() => undefined);
    this.running = false;
    // The blocking read is ended by CLIENT UNBLOCK, not by cutting its connection: entries Redis
    // already handed to a read whose reply was then lost would stay pending, unread until a restart.
    if (this.readerId !== undefined) await this.opts.redis.client('UNBLOCK', this.readerId).catch(() => undefined);
    await waitAtMost(this.readLoop, UNBLOCK_WAIT_MS);
    this.opts.reader.disconnect();
    await this.readLoop;
    // Closed: a sender that had not seen this node leave gets 'gone' from now on and routes the
    // stanza otherwise. What reached the inbox since the last read stays there for the next start
    // of this node id (handing it on here would start work this stopping process may not finish).
    await this.opts.redis.set(clusterKeys.inboxClosed(this.opts.nodeId), '1', 'EX', CLOSED_INBOX_SECONDS).catch((err: Error) => {
      this.log.debug({ err: err.message }, 'inbox not closed (Redis away)');
    });
  }

  /** Appends an entry to a node's inbox. Never throws: the outcome says what happened. */
  async send(toNode: string, kind: string, body: string): Promise<SendOutcome> {
    try {
      const redis = this.opts.redis as Redis & { pamperoBoundedXadd(...args: unknown[]): Promise<string | number | null> };
      if (!this.peerVersions.has(toNode)) {
        const theirs = await redis.hget(clusterKeys.busVersions, toNode);
        if (theirs !== null) this.peerVersions.set(toNode, Number(theirs));
      }
      const id = await redis.pamperoBoundedXadd(clusterKeys.inbox(toNode), clusterKeys.inboxClosed(toNode), this.opts.maxInboxEntries, this.versionFor(toNode), kind, this.opts.nodeId, body);
      return id === 0 ? 'gone' : id ? 'queued' : 'full';
    } catch (err) {
      this.log.debug({ err: (err as Error).message, toNode }, 'bus send failed');
      return 'unreachable';
    }
  }

  /**
   * The version written to a node: ours if it speaks ours or newer, else the one before (which
   * every node reads: N reads N and N-1). A node not announced yet gets N-1 too, so an entry is
   * never written in a version its reader would drop during a rolling update.
   */
  versionFor(toNode: string): number {
    const theirs = this.peerVersions.get(toNode);
    return theirs !== undefined && theirs >= this.version ? this.version : Math.min(this.version, BUS_PROTOCOL_VERSION - 1);
  }

  /** Writes the version this node speaks and reads the others'. */
  private async announceVersion(): Promise<void> {
    const [, all] = (await this.opts.redis.multi().hset(clusterKeys.busVersions, this.opts.nodeId, this.version).hgetall(clusterKeys.busVersions).exec()) ?? [];
    const map = (all?.[1] ?? {}) as Record<string, string>;
    this.peerVersions = new Map(Object.entries(map).map(([node, v]) => [node, Number(v)]));
  }

  /** The entry is done with: removed from the inbox for good. */
  async ack(...ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = clusterKeys.inbox(this.opts.nodeId);
    await this.opts.redis.multi().xack(key, GROUP, ...ids).xdel(key, ...ids).exec();
  }

  /** Entries in a node's inbox (for metrics and the cluster view). */
  async inboxLength(nodeId = this.opts.nodeId): Promise<number> {
    return this.opts.redis.xlen(clusterKeys.inbox(nodeId));
  }

  private async ensureGroup(nodeId: string): Promise<void> {
    try {
      await this.opts.redis.xgroup('CREATE', clusterKeys.inbox(nodeId), GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  private async read(): Promise<void> {
    const { reader, nodeId } = this.opts;
    const key = clusterKeys.inbox(nodeId);
    const count = this.opts.batchSize ?? 256;
    // '0' first: what this node had read but not acknowledged before it restarted.
    let cursor = '0';
    while (this.running) {
      try {
        const reply = (await reader.xreadgroup('GROUP', GROUP, nodeId, 'COUNT', count, 'BLOCK', 1000, 'STREAMS', key, cursor)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        const entries = reply?.[0]?.[1] ?? [];
        // Pending ones first, a page at a time from the last id seen; once none is left, new ones.
        // (Checking for '0' only here kept a node that restarted with pending entries reading an
        // empty pending list forever: it never read a new entry again.)
        if (cursor !== '>' && entries.length === 0) cursor = '>';
        for (const [id, fields] of entries) this.dispatch(id, fields);
        if (cursor !== '>' && entries.length > 0) cursor = entries[entries.length - 1]![0];
      } catch (err) {
        if (!this.running) return;
        const message = String((err as Error).message);
        if (message.includes('NOGROUP')) await this.ensureGroup(nodeId).catch(() => undefined); // Redis lost its data
        else this.log.debug({ err: message }, 'bus read failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private dispatch(id: string, fields: string[] | null): void {
    if (!fields) return void this.ack(id).catch(() => undefined); // deleted meanwhile
    const map: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
    const version = Number(map.v);
    if (!(version === this.version || version === this.version - 1)) {
      this.log.warn({ id, version }, 'bus entry of an unsupported protocol version; dropped');
      return void this.ack(id).catch(() => undefined);
    }
    this.opts.onEntry({ id, version, kind: map.k ?? '', body: map.b ?? '', fromNode: map.f ?? '' });
  }
}
