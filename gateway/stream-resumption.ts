// XEP-0198 §5 on one gateway: the sessions a client may resume, by SM-ID. A session whose
// connection drops without a clean </stream> is "hibernated": it stays bound in the router,
// stanzas for it keep queueing (bounded), and for the resumption timeout a new authenticated
// stream of the same user may take it over with <resume/>. When the timer runs out the session
// ends for good (client-session.ts: unavailable presence, unacknowledged stanzas rerouted).
// In a fleet (docs/cluster.md) the state is mirrored in Redis instead: a session whose connection
// drops, or whose gateway stops, is parked there and any gateway may resume it.
import { randomBytes } from 'node:crypto';
import type { Element } from 'ltx';
import { parseJid } from '../shared/jid.js';
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';
import type { Router } from '../shared/router/router.js';
import type { ResourcePresence } from '../shared/router/session.js';
import type { StreamErrorCondition } from '../shared/xml/errors.js';
import type { FleetResumption, ReclaimableSession } from '../shared/cluster/resumption-fleet.js';
import { encodeItem, type SessionResumptionStore, type SmMirror, type TakenSession } from '../shared/cluster/session-resumption.js';
import { lateCopy, type StreamManagement, type StreamManagementOptions, type UnackedStanza } from './stream-management.js';
import { waitAtMost } from '../shared/runtime/wait-at-most.js';

export const smResumptions = new Counter({
  name: 'pampero_sm_resumptions_total',
  help: 'XEP-0198 resumption attempts, by outcome (resumed, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const smHibernatedSessions = new Gauge({
  name: 'pampero_sm_hibernated_sessions',
  help: 'Sessions whose connection dropped, waiting for the client to resume them',
  registers: [metricsRegistry],
});

export const smQueueOverflows = new Counter({
  name: 'pampero_sm_queue_overflows_total',
  help: 'Sessions ended because their queue of unacknowledged stanzas was full',
  registers: [metricsRegistry],
});

export const smHandovers = new Counter({
  name: 'pampero_sm_fleet_handovers_total',
  help: 'Resumable sessions parked in Redis for any gateway of the fleet (connection dropped, gateway stopping, resumed elsewhere)',
  registers: [metricsRegistry],
});

export const smResumptionTimeouts = new Counter({
  name: 'pampero_sm_resumption_timeouts_total',
  help: 'Hibernated sessions that were not resumed in time and ended',
  registers: [metricsRegistry],
});

/** What the registry needs of a session (ClientSession implements it). */
export interface ResumableSession {
  /** Bare JID of the account, checked against the user asking to resume. */
  readonly owner: string;
  /** The resumption timeout ran out, or the gateway is stopping: end for good. */
  endHibernation(): void;
  /** Fleet: park in Redis and close the connection with `condition`; false when it cannot be parked. */
  leave(condition?: StreamErrorCondition, text?: string): boolean;
  readonly id: string;
  readonly jid: { full: string };
  readonly presence: ResourcePresence;
  /** Routes a stanza to the session (as the router does). */
  deliver(stanza: Element): void;
  /** Fleet: its client resumed it on another gateway meanwhile; this stale copy goes quietly. */
  supersede(text: string): void;
}

/** What a fleet node offers (shared/cluster/cluster-node.ts). */
export interface FleetResumptionLink {
  readonly smStore: SessionResumptionStore;
  readonly resumption: FleetResumption | undefined;
}

interface Entry {
  session: ResumableSession;
  /** Set while hibernated. */
  timer?: NodeJS.Timeout;
  /** Set in a fleet: the session's state in Redis. */
  mirror?: SmMirror;
  sm?: StreamManagement;
}

/** How long a stopping gateway waits for the parks it issued (Redis answering slowly or not at all). */
const PARK_WAIT_MS = 5000;

export class ResumableSessions {
  private readonly byId = new Map<string, Entry>();
  private hibernated = 0;
  /** Parks issued and not yet answered: a stopping gateway waits for them before it leaves the fleet. */
  private readonly parking = new Set<Promise<boolean>>();

  constructor(readonly options: StreamManagementOptions, private readonly fleet?: FleetResumptionLink) {
    if (fleet) fleet.smStore.maxQueue = options.maxUnackedStanzas;
  }

  /** In a fleet: a session not held here may be resumed from Redis (takeFromFleet). */
  get inFleet(): boolean {
    return this.fleet?.resumption !== undefined;
  }

  get hibernatedCount(): number {
    return this.hibernated;
  }

  /** A session enabled resumption: its SM-ID (unguessable, it is all a resuming client shows besides its login). */
  register(session: ResumableSession, sm?: StreamManagement): string {
    const id = randomBytes(18).toString('base64url');
    const entry: Entry = { session, sm };
    this.byId.set(id, entry);
    if (sm && this.fleet) {
      entry.mirror = sm.mirror = this.fleet.smStore.track(session.jid.full, id, session.id, sm.resumeTimeoutMs);
      this.listenForHandovers();
    }
    return id;
  }

  /** A session taken from Redis (takeFromFleet) is now held here under its SM-ID. */
  adopt(id: string, session: ResumableSession, sm: StreamManagement): void {
    const entry: Entry = { session, sm };
    this.byId.set(id, entry);
    if (this.fleet) entry.mirror = sm.mirror = this.fleet.smStore.adopt(session.jid.full, id);
    this.listenForHandovers();
  }

  /**
   * Fleet: parks the session in Redis, then `detach` (synchronously) unbinds it here without
   * ending it. False when not in a fleet or its mirror is not trustworthy (Redis was away).
   */
  handOver(id: string, detach: () => void): boolean {
    const entry = this.byId.get(id);
    const resumption = this.fleet?.resumption;
    if (!entry || !resumption || !entry.mirror || entry.mirror.broken || entry.timer) return false;
    this.byId.delete(id);
    smHandovers.inc();
    const parked = resumption.park(entry.session.jid.full, id, entry.session.presence, detach);
    this.parking.add(parked);
    void parked.finally(() => this.parking.delete(parked));
    return true;
  }

  /** <resume/> of a session this gateway does not hold: taken from Redis, or undefined. */
  async takeFromFleet(id: string, owner: string, sessionId: string): Promise<TakenSession | undefined> {
    const taken = await this.fleet?.resumption?.take(owner, id, sessionId).catch(() => undefined);
    smResumptions.inc({ outcome: taken ? 'resumed' : 'failed' });
    return taken;
  }

  /** A taken session whose new connection went away before it was bound: parked again. */
  release(id: string, taken: TakenSession): void {
    void this.fleet?.resumption?.release(taken, id);
  }

  private listenForHandovers(): void {
    const resumption = this.fleet?.resumption;
    if (resumption && !resumption.onHandover) {
      resumption.onHandover = (smId) => this.byId.get(smId)?.session.leave('conflict', 'Resumed on another connection') ?? false;
      resumption.onReclaim = () => this.reclaimable();
    }
  }

  /** The live sessions of this gateway mirrored in Redis, for FleetResumption.reclaim (this node was reaped while stuck). */
  private reclaimable(): ReclaimableSession[] {
    const out: ReclaimableSession[] = [];
    for (const [smId, entry] of this.byId) {
      const { sm, mirror, session } = entry;
      if (!sm || !mirror || entry.timer) continue;
      const pending = sm.unacked.pending();
      out.push({
        fullJid: session.jid.full,
        smId,
        sessionId: session.id,
        inbound: sm.inbound,
        acked: sm.unacked.lastAck,
        items: pending.map((u) => encodeItem(u.stamp, u.stanza.toString(), u.dedup)),
        delivered: new Set(pending.map((u) => u.dedup).filter((d): d is string => !!d)),
        deliver: (stanza) => session.deliver(stanza),
        restored: () => (mirror.broken = false),
        lost: () => (mirror.broken = true),
        resumedElsewhere: () => {
          if (this.byId.get(smId) !== entry) return;
          this.byId.delete(smId); // not forget(): its state in Redis is the other gateway's now
          session.supersede('Resumed on another connection');
        },
      });
    }
    return out;
  }

  /** The connection dropped: keep the session for `timeoutMs`. False when too many are already kept. */
  hibernate(id: string, timeoutMs: number): boolean {
    const entry = this.byId.get(id);
    if (!entry || entry.timer) return false;
    if (this.hibernated >= this.options.maxHibernatedSessions) return false;
    entry.timer = setTimeout(() => {
      smResumptionTimeouts.inc();
      entry.session.endHibernation();
    }, timeoutMs);
    entry.timer.unref();
    this.setHibernated(this.hibernated + 1);
    return true;
  }

  /**
   * <resume previd/> from `owner`: the session, no longer counted as hibernated, or undefined
   * (unknown or expired id, or another user's session — which is left alone).
   */
  take(id: string, owner: string): ResumableSession | undefined {
    const entry = this.byId.get(id);
    if (!entry || entry.session.owner !== owner) {
      if (this.inFleet) return undefined; // the fleet is asked next (takeFromFleet counts the outcome)
      smResumptions.inc({ outcome: 'failed' });
      return undefined;
    }
    this.wake(entry);
    smResumptions.inc({ outcome: 'resumed' });
    return entry.session;
  }

  /** The session ended: its id is no longer resumable. */
  forget(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.wake(entry);
    this.byId.delete(id);
    entry.mirror?.end();
  }

  /**
   * The gateway stops: hibernated sessions end now (their messages go to offline storage), and
   * the parks of the sessions it handed over are answered — so every node's view points them at
   * Redis before this node announces it left (else a stanza sent meanwhile finds no resource).
   */
  async close(): Promise<void> {
    for (const entry of [...this.byId.values()]) if (entry.timer) entry.session.endHibernation();
    if (this.parking.size > 0) await waitAtMost(Promise.allSettled([...this.parking]), PARK_WAIT_MS);
  }

  private wake(entry: Entry): void {
    if (!entry.timer) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    this.setHibernated(this.hibernated - 1);
  }

  private setHibernated(n: number): void {
    this.hibernated = n;
    smHibernatedSessions.set(n);
  }
}

/**
 * XEP-0198 §4: stanzas a session that ended never acknowledged are treated like stanzas to an
 * unavailable resource (RFC 6121 §8.5.3.2): the session is unbound by now, so routing them to its
 * full JID sends messages on to the bare JID (another resource, or offline storage with their
 * original time as delay), answers IQ requests with service-unavailable and drops presence.
 */
export function rerouteUndelivered(router: Router, items: readonly UnackedStanza[]): void {
  for (const { stanza, stamp } of items) {
    if (stanza.name === 'presence') continue;
    if (stanza.name === 'iq' && stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set') continue;
    const to = parseJid(stanza.attrs.to ?? '');
    if (!to) continue;
    router.route(lateCopy(stanza, stamp, router.domain) as Element, to);
  }
}
