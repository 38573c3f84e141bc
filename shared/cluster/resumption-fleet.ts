// The fleet's side of XEP-0198 resumption anywhere (docs/cluster.md): parking a session in Redis
// (session-resumption.ts) and telling every node's directory view, taking it on <resume/> at any
// gateway (asking the node that still holds it to let go), stanzas for parked sessions, parking
// the sessions of a dead node and draining its inbox, and ending parked sessions whose
// resumption timeout ran out (unavailable presence, undelivered stanzas to the bare JID).
import { Element, parse } from 'ltx';
import { parseJid } from '../jid.js';
import type { Logger } from '../log.js';
import type { Router } from '../router/router.js';
import { NS } from '../xml/namespaces.js';
import type { ClusterSessionDirectory, DirectoryEvent } from './cluster-directory.js';
import { RemoteSession, isRemoteSession, type RemoteSessionTransport } from './remote-session.js';
import { DRAINING, PARKED_NODE, bareOf, decodeItem, dedupId, dedupOf, withDedupId, type MirroredStanza, type SessionResumptionStore, type TakenSession } from './session-resumption.js';
import { decodeEntryRest } from './session-registry.js';

export interface FleetResumptionHost {
  nodeId: string;
  router: Router;
  directory: ClusterSessionDirectory;
  store: SessionResumptionStore;
  transport: RemoteSessionTransport;
  /** Publishes a directory event to the other nodes. */
  publish(event: DirectoryEvent): void;
  /** Sends a bus entry; resolves to whether it was queued. */
  send(nodeId: string, kind: string, body: string): Promise<boolean>;
  /** How long a resume waits for the node holding the session to let go (or to be found dead). */
  handoverWaitMs: number;
  logger: Logger;
}

/** The bus entry kind asking a node to park one of its sessions (body `bare\nsmId`). */
export const HANDOVER_KIND = 'sm-handover';

/** Redis calls in flight while a dead node's sessions are parked and opened. */
const REAP_CONCURRENCY = 64;

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function forEachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A live session of this node mirrored in Redis, as reclaim() needs it (the gateway's stream-resumption.ts). */
export interface ReclaimableSession {
  fullJid: string;
  smId: string;
  sessionId: string;
  /** `h` of the client's stanzas, and the client's last `h`. */
  inbound: number;
  acked: number;
  /** Its unacknowledged stanzas, encoded as the mirror's list holds them (encodeItem). */
  items: string[];
  /** Bus entries among them (dedup ids): a copy appended while parked is not delivered twice. */
  delivered: Set<string>;
  deliver(stanza: Element): void;
  /** Its mirror matches the live session again (it may resume anywhere). */
  restored(): void;
  /** Its mirror is gone: it resumes only here. */
  lost(): void;
  resumedElsewhere(): void;
}

export class FleetResumption {
  /** Set by the gateway: park the local session with this SM-ID now; false when there is none. */
  onHandover: ((smId: string) => boolean) | undefined;
  /** Set by the gateway: its live sessions mirrored in Redis. */
  onReclaim: (() => ReclaimableSession[]) | undefined;
  private readonly log: Logger;

  constructor(private readonly host: FleetResumptionHost) {
    this.log = host.logger.child({ module: 'sm-fleet' });
  }

  get store(): SessionResumptionStore {
    return this.host.store;
  }

  /**
   * A local session leaves this node without ending: parked in Redis, and every view points its
   * full JID at PARKED_NODE. `detach` unbinds it here, called once the park is issued (so the
   * directory's compare-and-delete that unbinding issues comes after it and leaves the entry).
   */
  park(fullJid: string, smId: string, presence: { available: boolean; priority: number; last?: Element; carbons?: boolean }, detach?: () => void): Promise<boolean> {
    const parked = this.host.store.park(bareOf(fullJid), smId, fullJid);
    detach?.();
    const last = presence.last?.toString();
    const event: DirectoryEvent = { kind: 'bind', nodeId: PARKED_NODE, sessionId: smId, fullJid, available: presence.available, priority: presence.priority, presenceXml: last, ...(presence.carbons ? { carbons: true } : {}) };
    this.host.directory.apply(event);
    return parked.then((done) => {
      if (!done) {
        this.host.directory.apply({ kind: 'unbind', nodeId: PARKED_NODE, sessionId: smId, fullJid });
        return false;
      }
      this.host.publish(event);
      return true;
    });
  }

  /** <resume/> for a session not held here: takes it, asking its holder to let go first. */
  async take(bare: string, smId: string, sessionId: string): Promise<TakenSession | undefined> {
    const deadline = Date.now() + this.host.handoverWaitMs;
    let asked = '';
    for (;;) {
      const outcome = await this.host.store.take(bare, smId, sessionId).catch(() => ({ kind: 'gone' }) as const);
      if (outcome.kind === 'taken') return outcome.session;
      if (outcome.kind === 'gone' || outcome.nodeId === this.host.nodeId) return undefined;
      if (outcome.nodeId === DRAINING) asked = DRAINING; // its dead node's inbox is being drained: a moment
      // Still held by another node (its connection not noticed dead yet, or the node just died):
      // ask it once; a dead node's sessions are parked by the reaper within a few heartbeats.
      if (asked !== outcome.nodeId) {
        asked = outcome.nodeId;
        await this.host.send(outcome.nodeId, HANDOVER_KIND, `${bare}\n${smId}`);
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A taken session could not be used (its new connection dropped meanwhile): parked again. */
  async release(session: TakenSession, smId: string): Promise<void> {
    await this.park(session.fullJid, smId, { available: session.available, priority: session.priority, last: session.presenceXml ? (parse(session.presenceXml) as Element) : undefined, carbons: session.clientState.carbons });
  }

  /** Another node asks this one to let go of a session (HANDOVER_KIND). */
  handoverRequested(body: string): void {
    const smId = body.slice(body.indexOf('\n') + 1);
    if (!this.onHandover?.(smId)) this.log.debug({ smId }, 'handover asked for a session not held here');
  }

  /** The router delivers to a parked session: appended to its list, or on to where it went. */
  deliverParked(fullJid: string, stanza: Element, attempt = 0, smId = this.host.directory.get(fullJid)?.id ?? ''): void {
    const local = attempt > 0 ? this.host.directory.getLocal(fullJid) : undefined;
    if (local) return local.deliver(stanza); // resumed here meanwhile
    const dedup = dedupId();
    void this.host.store.appendParked(fullJid, smId, new Date().toISOString(), stanza.toString(), dedup).then(
      (outcome) => {
        if (outcome === 'ok' || outcome === 'dup') return;
        if (typeof outcome === 'object' && outcome.nodeId !== this.host.nodeId) {
          // Taken meanwhile: to its new node (which delivers to the resumed session).
          void this.host.send(outcome.nodeId, 'deliver', `${fullJid}\n${stanza.toString()}`).then((queued) => queued || this.toBare(fullJid, stanza));
          return;
        }
        if (typeof outcome === 'object') {
          // Taken by this node: being bound right now (or the view was behind).
          const here = this.host.directory.getLocal(fullJid);
          if (here) return here.deliver(stanza);
          if (attempt < 50) return void setTimeout(() => this.deliverParked(fullJid, stanza, attempt + 1, smId), 20);
        }
        this.toBare(fullJid, stanza); // ended or full: as for a resource that is gone
      },
      () => this.toBare(fullJid, stanza),
    );
  }

  /**
   * A dead node: its resumable sessions are parked (before its other entries are reaped), not
   * takeable until `open` is called once its inbox is drained — a stanza it had delivered and not
   * acknowledged is then still found in the list, and not sent twice.
   */
  async parkNode(deadNode: string): Promise<Array<{ bare: string; smId: string }>> {
    const out: Array<{ bare: string; smId: string }> = [];
    // Many at once (a gateway of thousands of sessions): their clients are waiting to resume.
    await forEachConcurrently(await this.host.store.sessionsOf(deadNode), REAP_CONCURRENCY, async ({ bare, smId, fullJid }) => {
      const parked = await this.host.store.park(bare, smId, fullJid, deadNode, DRAINING);
      if (!parked) return;
      const { available, priority, presenceXml, carbons } = decodeEntryRest(parked.rest);
      this.host.directory.apply({ kind: 'unbind', nodeId: deadNode, sessionId: parked.sessionId, fullJid });
      this.announceParked(fullJid, smId, available, priority, presenceXml, carbons);
      out.push({ bare, smId });
    });
    return out;
  }

  /**
   * This node was declared dead while it was only stuck (SIGSTOP, a long pause) and its reaper
   * parked its resumable sessions, whose clients are still connected here: each is taken back and
   * gets what was appended to it meanwhile (what the reaper drained from this node's inbox, and
   * what others sent it while parked) — else that would wait in Redis for a resumption that never
   * comes. A session its client resumed elsewhere meanwhile is closed here.
   */
  async reclaim(): Promise<void> {
    const sessions = this.onReclaim?.() ?? [];
    let reclaimed = 0;
    await forEachConcurrently(sessions, REAP_CONCURRENCY, async (s) => {
      const outcome = await this.host.store.reclaim(s.fullJid, s.smId, s.sessionId, s.inbound, s.acked, s.items).catch(() => undefined);
      if (!outcome || outcome.kind === 'gone') return s.lost();
      if (outcome.kind === 'held') {
        if (outcome.nodeId !== this.host.nodeId) s.resumedElsewhere();
        return;
      }
      reclaimed++;
      s.restored();
      for (const item of outcome.appended) {
        const dedup = dedupOf(item);
        if (dedup && s.delivered.has(dedup)) continue;
        let stanza: Element;
        try {
          stanza = parse(decodeItem(item).xml) as Element;
        } catch {
          continue;
        }
        withDedupId(dedup, () => s.deliver(stanza));
      }
    });
    if (reclaimed > 0) this.log.warn({ sessions: reclaimed }, 'took back the sessions parked while this node was silent');
  }

  /** The dead node's inbox is drained: its parked sessions may be taken. */
  async open(parked: Array<{ bare: string; smId: string }>): Promise<void> {
    await forEachConcurrently(parked, REAP_CONCURRENCY, ({ bare, smId }) => this.host.store.open(bare, smId).catch(() => undefined));
  }

  /**
   * A new session bound the parked one's full JID instead of resuming it (RFC 6120 §7.7.2.2: the
   * new one wins): the parked session ends now, and what it held goes on to the new session
   * rather than waiting for the resumption timeout.
   */
  async replaced(fullJid: string, smId: string): Promise<void> {
    const ended = await this.host.store.endParked(bareOf(fullJid), smId).catch(() => undefined);
    if (!ended) return;
    this.reroute(ended.items);
    this.log.debug({ jid: fullJid }, 'parked session replaced by a new bind');
  }

  /** Parked sessions not resumed in time end here: unavailable presence, undelivered stanzas to the bare JID. */
  async sweep(): Promise<void> {
    for (const { bare, smId } of await this.host.store.claimExpired()) {
      const ended = await this.host.store.endParked(bare, smId).catch(() => undefined);
      if (!ended) continue;
      const jid = parseJid(ended.fullJid);
      if (!jid) continue;
      const event: DirectoryEvent = { kind: 'unbind', nodeId: PARKED_NODE, sessionId: smId, fullJid: ended.fullJid };
      this.host.directory.apply(event);
      this.host.publish(event);
      if (ended.wasListed) {
        const ghost = new RemoteSession(smId, jid, PARKED_NODE, { available: ended.presence.available, priority: ended.presence.priority }, this.host.transport);
        this.host.router.presence.sessionEnded(ghost);
      }
      this.reroute(ended.items);
      this.log.info({ jid: ended.fullJid }, 'parked session not resumed in time; ended');
    }
  }

  private announceParked(fullJid: string, smId: string, available: boolean, priority: number, presenceXml: string | undefined, carbons: boolean): void {
    const event: DirectoryEvent = { kind: 'bind', nodeId: PARKED_NODE, sessionId: smId, fullJid, available, priority, presenceXml, ...(carbons ? { carbons } : {}) };
    this.host.directory.apply(event);
    this.host.publish(event);
  }

  /**
   * RFC 6121 §8.5.3.2.1: the resource is gone, so a message goes on as to the bare JID — the
   * user's other available resources, else offline storage. Parked resources are passed over
   * (a parked list is where it came from), so it cannot circle between lists.
   */
  private toBare(fullJid: string, stanza: Element): void {
    const jid = parseJid(fullJid);
    const type = stanza.attrs.type ?? 'normal';
    if (!jid || stanza.name !== 'message' || type === 'groupchat' || type === 'error') return;
    const top = this.host.router.local.topResources(jid.bare, (s) => !(isRemoteSession(s) && s.nodeId === PARKED_NODE));
    if (top.length === 0) return void this.host.router.offline.store(jid.bare, stanza);
    for (const s of top) s.deliver(stanza);
  }

  /** XEP-0198 §4 for a session that ended parked: as rerouteUndelivered (gateway/stream-resumption.ts) does on one node. */
  private reroute(items: MirroredStanza[]): void {
    for (const { stamp, xml } of items) {
      let stanza: Element;
      try {
        stanza = parse(xml) as Element;
      } catch {
        continue;
      }
      if (stanza.name === 'presence') continue;
      if (stanza.name === 'iq' && stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set') continue;
      const to = parseJid(stanza.attrs.to ?? '');
      if (!to) continue;
      const hasContent = stanza.getChild('body') !== undefined || stanza.getChild('subject') !== undefined;
      if (stanza.name === 'message' && hasContent && !stanza.getChildren('delay', NS.delay).some((d) => d.attrs.from === this.host.router.domain)) {
        stanza.c('delay', { xmlns: NS.delay, from: this.host.router.domain, stamp });
      }
      this.host.router.route(stanza, to);
    }
  }
}
