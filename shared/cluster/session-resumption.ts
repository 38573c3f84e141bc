// XEP-0198 resumption on any gateway of a fleet (docs/cluster.md, "Resumption anywhere"). Each
// resumable session mirrors its state in Redis: a hash (holder node, SM-ID's full JID, `h` of the
// client's stanzas, `h` the client acknowledged, timeout) and a bounded list of the stanzas sent
// to it and not acknowledged. The mirror is written in batches, once per event-loop turn and one
// pipelined Lua call per session, never a round trip per stanza. A session whose connection drops,
// whose gateway stops or dies is *parked*: no node holds it, its directory entry points to
// PARKED_NODE, stanzas for it are appended to its list by whichever node routes them, and any
// gateway may take it with <resume/>. A parked session not taken before its deadline ends: its
// contacts get unavailable presence and what it never acknowledged goes to the bare JID (another
// resource or offline storage). Every key of one session carries the user's hash tag.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { clusterKeys } from './keys.js';
import { APPEND_PARKED, DRAINING, END_PARKED, OPEN, PARK, PARKED_NODE, RECLAIM, SET_CLIENT_STATE, SYNC, TAKE } from './session-resumption-scripts.js';
import { CLIENT_STATE_FIELD, decodeClientState, encodeClientState, type ResumedClientState } from './resumed-client-state.js';
import { decodeEntryRest } from './session-registry.js';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

/**
 * How long delivery to clients waits for its mirror write (SmMirror.whenDurable). Loopback Redis
 * answers in about a millisecond; past this (Redis slow: issue 11's fault) the writes go out
 * anyway and those sessions are marked broken — they resume only on this node, as when Redis is
 * away — so a slow Redis never slows a chat between two users of one gateway (docs/isolation.md).
 */
export const MIRROR_DEADLINE_MS = 50;

const mirrorLate = new Counter({
  name: 'pampero_sm_mirror_late_total',
  help: 'Resumption-state writes to Redis past their deadline: delivery went on, those sessions resume only on their node',
  registers: [metricsRegistry],
});

export { DRAINING, PARKED_NODE };

/** One stanza of a session's queue: when it was first sent, and its XML. */
export interface MirroredStanza {
  stamp: string;
  xml: string;
}

/** What a gateway needs to bring a parked session back (take()). */
export interface TakenSession {
  fullJid: string;
  /** `h` of the stanzas the server handled from the client. */
  inbound: number;
  /** The client's last `h`. */
  acked: number;
  timeoutMs: number;
  available: boolean;
  priority: number;
  presenceXml?: string;
  items: MirroredStanza[];
  /** Carbons and CSI as the session left them (resumed-client-state.ts). */
  clientState: ResumedClientState;
}

export type TakeOutcome = { kind: 'taken'; session: TakenSession } | { kind: 'gone' } | { kind: 'held'; nodeId: string };

type ScriptedRedis = Redis & {
  pamperoSmSync(...args: unknown[]): Promise<number>;
  pamperoSmPark(...args: unknown[]): Promise<[string, string, string] | null>;
  pamperoSmTake(...args: unknown[]): Promise<unknown[]>;
  pamperoSmAppendParked(...args: unknown[]): Promise<string>;
  pamperoSmOpen(...args: unknown[]): Promise<number>;
  pamperoSmClientState(...args: unknown[]): Promise<number>;
  pamperoSmEndParked(...args: unknown[]): Promise<[string, string[], string[]] | null>;
  pamperoSmReclaim(...args: unknown[]): Promise<unknown[]>;
};

export function bareOf(fullJid: string): string {
  const slash = fullJid.indexOf('/');
  return slash < 0 ? fullJid : fullJid.slice(0, slash);
}

function resourceOf(fullJid: string): string {
  return fullJid.slice(fullJid.indexOf('/') + 1);
}

export function encodeItem(stamp: string, xml: string, dedupId = ''): string {
  return `${dedupId}\t${stamp}\t${xml}`;
}

/** The bus entry an encoded item came from ('' when none). */
export function dedupOf(item: string): string {
  return item.slice(0, Math.max(0, item.indexOf('\t')));
}

export function decodeItem(item: string): MirroredStanza {
  const first = item.indexOf('\t');
  const second = item.indexOf('\t', first + 1);
  return { stamp: item.slice(first + 1, second), xml: item.slice(second + 1) };
}

function fieldsOf(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** `available|priority|presenceXml` of a directory entry (session-registry.ts encoding, after node and session). */
function presenceOf(rest: string): Pick<TakenSession, 'available' | 'priority' | 'presenceXml'> {
  const { available, priority, presenceXml } = decodeEntryRest(rest); // the carbons flag comes from the mirrored client state
  return { available, priority, ...(presenceXml ? { presenceXml } : {}) };
}

/** The pending writes of one session's mirror for this turn. */
interface Pending {
  create?: { fullJid: string; sessionId: string; timeoutMs: number };
  inbound?: number;
  items: string[];
  trim: number;
  acked?: number;
  /** The encoded client state (carbons, CSI) when it changed this turn. */
  clientState?: string;
  end?: boolean;
}

/**
 * The Redis side of one session's XEP-0198 state, fed by stream-management.ts as stanzas go out,
 * come in and get acknowledged.
 */
export class SmMirror {
  /** A write failed (Redis away): the mirror no longer matches, so the session is not parked. */
  broken = false;
  constructor(readonly bare: string, readonly smId: string, private readonly store: SessionResumptionStore) {}

  sent(stamp: string, xml: string): void {
    this.store.pending(this).items.push(encodeItem(stamp, xml, currentDedupId));
  }

  /** Carbons or CSI changed: carried to whichever gateway resumes the session (resumed-client-state.ts). */
  clientState(state: ResumedClientState): void {
    this.store.pending(this).clientState = encodeClientState(state);
  }

  handled(h: number): void {
    this.store.pending(this).inbound = h;
  }

  acknowledged(count: number, h: number): void {
    const p = this.store.pending(this);
    p.trim += count;
    p.acked = h;
  }

  /**
   * Runs `write` once this turn's writes are in Redis (or failed): a stanza reaches the client
   * only after its copy, so a client never holds (and counts) a stanza another gateway would not
   * find when it resumes there.
   */
  whenDurable(write: () => void): void {
    this.store.pending(this);
    this.store.afterFlush.push(write);
  }

  /** Resolves once everything recorded so far is written (before answering <r/>: `h` then means durable). */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /**
   * A stanza from the client is being routed: what routing writes to Redis (bus entries,
   * recipients' lists) and the stanza's count leave in one socket write (routed() sends both), so
   * a gateway killed meanwhile has written both or neither — never the effect without the count
   * (the client would send it again: a duplicate) nor the count without the effect (a loss).
   */
  routing(): void {
    this.store.cork();
  }

  routed(): void {
    void this.store.flush();
    this.store.uncork();
  }

  /** The session ended here for good: its state goes. */
  end(): void {
    this.store.pending(this).end = true;
  }
}

/**
 * The bus entry being handled (cluster-node.ts sets it around a delivery), so that a stanza a
 * dead node had appended but not acknowledged is not appended twice when its inbox is drained.
 */
let currentDedupId = '';
/**
 * The dedup id of a bus entry: the inbox it came from (its node) and the entry's id. Entry ids are
 * only unique within one Redis stream (`ms-seq`): two nodes' inboxes make the same ids in the same
 * millisecond, so a session that moved from one node to another could hold an item of each with
 * the same bare id, and the second would be dropped as a duplicate when parked.
 */
export function busDedupId(inboxNode: string, entryId: string): string {
  return `${inboxNode}/${entryId}`;
}
export function withDedupId<T>(id: string, run: () => T): T {
  currentDedupId = id;
  try {
    return run();
  } finally {
    currentDedupId = '';
  }
}
export function dedupId(): string {
  return currentDedupId;
}

export class SessionResumptionStore {
  private readonly redis: ScriptedRedis;
  private batch = new Map<SmMirror, Pending>();
  /** Writes to clients waiting for this turn's batch (SmMirror.whenDurable). */
  afterFlush: Array<() => void> = [];
  private scheduled = false;
  private readonly log: Logger;

  /** `maxQueue`: the SM queue bound (sm.maxUnackedStanzas; the gateway sets it). */
  constructor(redis: Redis, readonly nodeId: string, public maxQueue: number, logger: Logger) {
    this.log = logger.child({ module: 'sm-store' });
    redis.defineCommand('pamperoSmSync', { numberOfKeys: 2, lua: SYNC });
    redis.defineCommand('pamperoSmPark', { numberOfKeys: 3, lua: PARK });
    redis.defineCommand('pamperoSmTake', { numberOfKeys: 3, lua: TAKE });
    redis.defineCommand('pamperoSmAppendParked', { numberOfKeys: 2, lua: APPEND_PARKED });
    redis.defineCommand('pamperoSmEndParked', { numberOfKeys: 3, lua: END_PARKED });
    redis.defineCommand('pamperoSmOpen', { numberOfKeys: 1, lua: OPEN });
    redis.defineCommand('pamperoSmClientState', { numberOfKeys: 1, lua: SET_CLIENT_STATE });
    redis.defineCommand('pamperoSmReclaim', { numberOfKeys: 3, lua: RECLAIM });
    this.redis = redis as ScriptedRedis;
  }

  cork(): void {
    (this.redis as unknown as { stream?: { cork?(): void } }).stream?.cork?.();
  }

  uncork(): void {
    (this.redis as unknown as { stream?: { uncork?(): void } }).stream?.uncork?.();
  }

  /** A session enabled resumption here: its mirror, created in Redis with the next batch. */
  track(fullJid: string, smId: string, sessionId: string, timeoutMs: number): SmMirror {
    const mirror = new SmMirror(bareOf(fullJid), smId, this);
    this.pending(mirror).create = { fullJid, sessionId, timeoutMs };
    return mirror;
  }

  /** A session this node took (take()) goes on writing to the same state. */
  adopt(fullJid: string, smId: string): SmMirror {
    return new SmMirror(bareOf(fullJid), smId, this);
  }

  pending(mirror: SmMirror): Pending {
    let p = this.batch.get(mirror);
    if (!p) {
      p = { items: [], trim: 0 };
      this.batch.set(mirror, p);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    }
    return p;
  }

  /** Sends this turn's writes now (one pipeline, in order) and resolves once Redis has them. */
  flush(): Promise<void> {
    this.scheduled = false;
    if (this.batch.size === 0) return this.redis.ping().then(() => undefined, () => undefined); // after earlier writes on this connection
    const batch = this.batch;
    const after = this.afterFlush;
    this.batch = new Map();
    this.afterFlush = [];
    const pipeline = this.redis.pipeline() as unknown as ScriptedRedis & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    const order: SmMirror[] = [];
    for (const [mirror, p] of batch) {
      const state = clusterKeys.smState(mirror.bare, mirror.smId);
      const queue = clusterKeys.smQueue(mirror.bare, mirror.smId);
      const member = `${mirror.bare}|${mirror.smId}`;
      if (p.end) {
        if (!p.create) {
          pipeline.del(state, queue);
          pipeline.srem(clusterKeys.nodeSm(this.nodeId), member);
        }
        continue;
      }
      if (p.create) {
        pipeline.del(queue);
        pipeline.hset(state, { node: this.nodeId, session: p.create.sessionId, jid: p.create.fullJid, h: 0, acked: 0, timeout: p.create.timeoutMs });
        pipeline.sadd(clusterKeys.nodeSm(this.nodeId), member);
      }
      if (p.clientState !== undefined) pipeline.pamperoSmClientState(state, this.nodeId, CLIENT_STATE_FIELD, p.clientState);
      const syncs = p.inbound !== undefined || p.items.length > 0 || p.trim > 0;
      if (syncs || p.clientState !== undefined) order.push(mirror);
      if (!syncs) continue;
      pipeline.pamperoSmSync(state, queue, this.nodeId, p.inbound ?? '', p.trim, p.acked ?? '', ...p.items);
    }
    const done = pipeline.exec().then(
      (replies) => {
        const failed = replies?.find(([err]) => err);
        if (!failed) return;
        for (const m of order) m.broken = true;
        this.log.debug({ err: failed[0]!.message }, 'resumption state write refused; those sessions resume only on this node');
      },
      (err: Error) => {
        for (const m of order) m.broken = true;
        this.log.debug({ err: err.message }, 'resumption state not written; those sessions resume only on this node');
      },
    );
    // Released in flush order once Redis has the batch — or at the deadline (Redis slow), or at
    // once when every session in it is already broken (waiting would buy nothing); in order, so a
    // session's stanzas never overtake each other.
    const entry = { ready: false, writes: after, resolve: () => undefined as void };
    const settled = new Promise<void>((resolve) => (entry.resolve = resolve));
    this.held.push(entry);
    const ready = () => {
      entry.ready = true;
      clearTimeout(timer);
      this.releaseReady();
    };
    // The check runs after the loop's I/O (setImmediate), so a pause of this process (GC) is not taken for a slow Redis.
    const timer = setTimeout(() => setImmediate(() => {
      if (entry.ready) return;
      for (const m of order) m.broken = true;
      mirrorLate.inc();
      this.log.debug({ ms: MIRROR_DEADLINE_MS }, 'resumption state write late; those sessions resume only on this node');
      ready();
    }), MIRROR_DEADLINE_MS);
    if (order.length > 0 && order.every((m) => m.broken)) ready();
    void done.finally(ready);
    return settled;
  }

  /** Batches whose client writes wait (SmMirror.whenDurable), oldest first. */
  private readonly held: Array<{ ready: boolean; writes: Array<() => void>; resolve: () => void }> = [];

  private releaseReady(): void {
    while (this.held[0]?.ready) {
      const entry = this.held.shift()!;
      for (const write of entry.writes) write();
      entry.resolve();
    }
  }

  /**
   * The session leaves its node (connection dropped, node stopping or dead): no node holds it,
   * stanzas for it wait in its list. Issues the writes at once, in order after what is pending.
   * Resolves to the directory entry's `available|priority|presence` and the deadline, or undefined
   * when `holder` no longer held it.
   */
  park(bare: string, smId: string, fullJid: string, holder = this.nodeId, until: '' | typeof DRAINING = ''): Promise<{ rest: string; deadline: number; sessionId: string } | undefined> {
    void this.flush();
    const member = `${bare}|${smId}`;
    const parked = this.redis
      .pamperoSmPark(clusterKeys.smState(bare, smId), clusterKeys.sessions(bare), clusterKeys.smQueue(bare, smId), holder, Date.now(), resourceOf(fullJid), smId, PARKED_NODE, until)
      .then(async (reply) => {
        if (!reply) return undefined;
        const [sessionId, deadline, rest] = reply;
        await Promise.all([
          this.redis.zadd(clusterKeys.smParked, Number(deadline), member),
          this.redis.srem(clusterKeys.nodeSm(holder), member),
          this.redis.srem(clusterKeys.nodeSessions(holder), `${fullJid}|${sessionId}`),
          this.redis.sadd(clusterKeys.nodeSessions(PARKED_NODE), `${fullJid}|${smId}`),
        ]);
        return { rest, deadline: Number(deadline), sessionId };
      });
    return parked.catch((err: Error) => {
      this.log.debug({ err: err.message, smId }, 'session not parked');
      return undefined;
    });
  }

  /** A session parked DRAINING may be taken now (its dead node's inbox was drained). */
  async open(bare: string, smId: string): Promise<void> {
    await this.redis.pamperoSmOpen(clusterKeys.smState(bare, smId));
  }

  /** Every resumable session a dead node held: `bare|smId` members. */
  async sessionsOf(nodeId: string): Promise<Array<{ bare: string; smId: string; fullJid: string }>> {
    const members = await this.redis.smembers(clusterKeys.nodeSm(nodeId));
    const out: Array<{ bare: string; smId: string; fullJid: string }> = [];
    for (const member of members) {
      const bar = member.lastIndexOf('|');
      const bare = member.slice(0, bar);
      const smId = member.slice(bar + 1);
      const fullJid = await this.redis.hget(clusterKeys.smState(bare, smId), 'jid');
      if (fullJid) out.push({ bare, smId, fullJid });
      else await this.redis.srem(clusterKeys.nodeSm(nodeId), member);
    }
    return out;
  }

  /** <resume/>: takes a parked session for `sessionId` on this node. */
  async take(bare: string, smId: string, sessionId: string): Promise<TakeOutcome> {
    const reply = await this.redis.pamperoSmTake(clusterKeys.smState(bare, smId), clusterKeys.smQueue(bare, smId), clusterKeys.sessions(bare), this.nodeId, sessionId);
    if (reply[0] === 'gone') return { kind: 'gone' };
    if (reply[0] === 'held') return { kind: 'held', nodeId: String(reply[1]) };
    const rest = String(reply[1]);
    const fields = fieldsOf(reply[2] as string[]);
    const member = `${bare}|${smId}`;
    void Promise.all([
      this.redis.zrem(clusterKeys.smParked, member),
      this.redis.srem(clusterKeys.nodeSessions(PARKED_NODE), `${fields.jid}|${smId}`),
      this.redis.sadd(clusterKeys.nodeSm(this.nodeId), member),
    ]).catch(() => undefined);
    return {
      kind: 'taken',
      session: {
        fullJid: fields.jid ?? '',
        inbound: Number(fields.h) || 0,
        acked: Number(fields.acked) || 0,
        timeoutMs: Number(fields.timeout) || 0,
        ...presenceOf(rest),
        items: (reply[3] as string[]).map(decodeItem),
        clientState: decodeClientState(fields[CLIENT_STATE_FIELD]),
      },
    };
  }

  /**
   * This node was declared dead while only stuck, and its reaper parked a session that is still
   * live here: taken back with the live session's state (`items` encoded by encodeItem); resolves
   * to what others appended to it while parked, `held` (a gateway took it meanwhile — its client
   * resumed elsewhere — or it was never parked) or `gone` (it ended parked).
   */
  async reclaim(fullJid: string, smId: string, sessionId: string, inbound: number, acked: number, items: string[]): Promise<{ kind: 'ok'; appended: string[] } | { kind: 'held'; nodeId: string } | { kind: 'gone' }> {
    const bare = bareOf(fullJid);
    const reply = await this.redis.pamperoSmReclaim(clusterKeys.smState(bare, smId), clusterKeys.smQueue(bare, smId), clusterKeys.sessions(bare), this.nodeId, sessionId, inbound, acked, ...items);
    if (reply[0] === 'gone') return { kind: 'gone' };
    if (reply[0] === 'held') return { kind: 'held', nodeId: String(reply[1]) };
    const member = `${bare}|${smId}`;
    await Promise.all([
      this.redis.zrem(clusterKeys.smParked, member),
      this.redis.srem(clusterKeys.nodeSessions(PARKED_NODE), `${fullJid}|${smId}`),
      this.redis.sadd(clusterKeys.nodeSm(this.nodeId), member),
      this.redis.sadd(clusterKeys.nodeSessions(this.nodeId), `${fullJid}|${sessionId}`),
    ]);
    return { kind: 'ok', appended: reply[1] as string[] };
  }

  /** A stanza for a parked session (the directory pointed to PARKED_NODE). */
  async appendParked(fullJid: string, smId: string, stamp: string, xml: string, dedup = ''): Promise<'ok' | 'full' | 'gone' | 'dup' | { nodeId: string }> {
    const bare = bareOf(fullJid);
    const reply = await this.redis.pamperoSmAppendParked(clusterKeys.smState(bare, smId), clusterKeys.smQueue(bare, smId), encodeItem(stamp, xml, dedup), this.maxQueue, dedup ? `${dedup}\t` : '');
    if (reply.startsWith('>')) return { nodeId: reply.slice(1) };
    return reply as 'ok' | 'full' | 'gone' | 'dup';
  }

  /** Parked sessions whose deadline passed, each claimed by one node only. */
  async claimExpired(now = Date.now(), max = 100): Promise<Array<{ bare: string; smId: string }>> {
    const members = await this.redis.zrangebyscore(clusterKeys.smParked, 0, now, 'LIMIT', 0, max);
    const out: Array<{ bare: string; smId: string }> = [];
    for (const member of members) {
      if ((await this.redis.zrem(clusterKeys.smParked, member)) !== 1) continue; // another node claimed it
      const bar = member.lastIndexOf('|');
      out.push({ bare: member.slice(0, bar), smId: member.slice(bar + 1) });
    }
    return out;
  }

  /** Ends a claimed parked session: its state is gone; returns what routing needs, or undefined if a gateway took it meanwhile. */
  async endParked(bare: string, smId: string): Promise<{ fullJid: string; presence: ReturnType<typeof presenceOf>; items: MirroredStanza[]; wasListed: boolean } | undefined> {
    const reply = await this.redis.pamperoSmEndParked(clusterKeys.smState(bare, smId), clusterKeys.smQueue(bare, smId), clusterKeys.sessions(bare), smId, PARKED_NODE);
    if (!reply) return undefined;
    const [rest, flat, items] = reply;
    const fields = fieldsOf(flat);
    await this.redis.srem(clusterKeys.nodeSessions(PARKED_NODE), `${fields.jid}|${smId}`).catch(() => undefined);
    return { fullJid: fields.jid ?? '', presence: presenceOf(rest), items: items.map(decodeItem), wasListed: rest !== '' };
  }
}
