// What PEP knows of local users' presence (XEP-0163 §4.1, §4.2): each available resource and its
// entity capabilities (XEP-0115). The router sends a copy of every broadcast presence
// (docs/pep.md); a caps hash seen for the first time is resolved by one disco#info query to
// that resource, and the answer is cached by hash for everyone when it verifies (§5.4), by
// resource otherwise. Every table is bounded.
import type { Logger } from 'pino';
import { parseJid } from '../../shared/jid.js';
import { capsVer } from './caps-hash.js';
import { pepCapsQueries, pepTrackedResources } from './metrics.js';
import { NS_DISCO_INFO } from './namespaces.js';
import type { LinkSend } from './stanza-router.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';
import { UserResources } from './user-resources.js';

export const NS_CAPS = 'http://jabber.org/protocol/caps';
export const NS_PAMPERO_PRESENCE = 'urn:pampero:presence:0';

export interface PepPresenceLimits {
  /** Available resources tracked at once (beyond: new ones are not tracked, so get no notifications). */
  maxResources: number;
  /** Caps hash → features entries kept (least recently used dropped). */
  maxCapsEntries: number;
  /** disco#info queries in flight. */
  maxPendingQueries: number;
  queryTimeoutMs: number;
}

export const DEFAULT_PEP_PRESENCE_LIMITS: PepPresenceLimits = { maxResources: 200_000, maxCapsEntries: 10_000, maxPendingQueries: 1_000, queryTimeoutMs: 10_000 };

type Features = ReadonlySet<string>;

interface Query {
  key: string;
  node: string;
  hash: string | undefined;
  ver: string;
  jid: string;
  timer: NodeJS.Timeout;
  waiters: Array<(features: Features | undefined) => void>;
}

export interface PresenceUpdate {
  /** The resource's full JID. */
  jid: string;
  available: boolean;
  /** The resource's initial presence (router's <initial/> marker). */
  initial: boolean;
  /** Sent to the instance the user hashes to (no <replica/> marker): it sends the last items. */
  primary: boolean;
}

export class PepPresence {
  /** Bare JID → full JID → caps key (user-resources.ts: no Map per single-resource user). */
  private readonly byBare = new UserResources<string | undefined>();
  private resourceCount = 0;
  private readonly features = new Map<string, Features>();
  private readonly queries = new Map<string, Query>();
  private nextId = 0;

  constructor(
    private readonly domain: string,
    private readonly log: Logger,
    private readonly limits: PepPresenceLimits = DEFAULT_PEP_PRESENCE_LIMITS,
  ) {}

  /** A presence copy from the router; asks for unknown caps. Undefined when not a usable copy. */
  onPresence(presence: XmlElement, send: LinkSend): PresenceUpdate | undefined {
    const from = parseJid(presence.attrs.from ?? '');
    if (!from || !from.resource || !from.local) return undefined;
    const marker = (name: string) => childElements(presence).some((c) => c.name === name && c.attrs.xmlns === NS_PAMPERO_PRESENCE);
    const update: PresenceUpdate = { jid: from.full, available: presence.attrs.type !== 'unavailable', initial: marker('initial'), primary: !marker('replica') };
    if (presence.attrs.type !== undefined && presence.attrs.type !== 'unavailable') return undefined;
    if (!update.available) {
      this.remove(from.bare, from.full);
      return update;
    }
    const c = childElements(presence).find((el) => el.name === 'c' && el.attrs.xmlns === NS_CAPS);
    const key = c?.attrs.node && c.attrs.ver ? this.capsKey(c.attrs.hash, c.attrs.ver, from.full) : undefined;
    if (!this.byBare.has(from.bare, from.full)) {
      if (this.resourceCount >= this.limits.maxResources) {
        this.log.warn({ jid: from.full }, 'pep: presence table full, resource not tracked');
        return update;
      }
      this.resourceCount++;
      pepTrackedResources.inc();
    }
    this.byBare.set(from.bare, from.full, key);
    if (key && !this.features.has(key)) this.ask(key, String(c!.attrs.node), c!.attrs.hash, String(c!.attrs.ver), from.full, send);
    return update;
  }

  /** A disco#info answer (or error) to one of our caps queries; false when it was not ours. */
  onIqAnswer(iq: XmlElement): boolean {
    const id = String(iq.attrs.id);
    const query = this.queries.get(id);
    if (!query || iq.attrs.from !== query.jid) return false;
    this.queries.delete(id);
    clearTimeout(query.timer);
    const info = iq.attrs.type === 'result' ? iq.getChild('query', NS_DISCO_INFO) : undefined;
    let features: Features | undefined;
    let key = query.key;
    if (info) {
      features = new Set(childElements(info).filter((f) => f.name === 'feature' && f.attrs.var).map((f) => f.attrs.var as string));
      if (query.hash && capsVer(info, query.hash) !== query.ver) {
        // §5.4 3.8: not what the hash claims; good for this resource only.
        key = `jid ${query.jid}`;
        this.log.info({ jid: query.jid }, 'pep: caps verification failed, features kept for this resource only');
        this.repoint(query.jid, key);
      }
      this.remember(key, features);
    }
    pepCapsQueries.inc({ outcome: !info ? 'failed' : key === query.key ? 'resolved' : 'unverified' });
    for (const waiter of query.waiters) waiter(features);
    return true;
  }

  /** Resolves once the resource's caps are known (at once when they are, or after the query's timeout). */
  whenKnown(jid: string): Promise<Features | undefined> {
    const key = this.keyOf(jid);
    if (!key) return Promise.resolve(undefined);
    const known = this.features.get(key);
    if (known) return Promise.resolve(known);
    const query = [...this.queries.values()].find((q) => q.key === key);
    if (!query) return Promise.resolve(undefined);
    return new Promise((resolve) => query.waiters.push(resolve));
  }

  /** Available resources of a local user. */
  resourcesOf(bare: string): string[] {
    return this.byBare.resourcesOf(bare);
  }

  /** Whether the resource's caps include `<node>+notify` (XEP-0163 §4.2). */
  wants(jid: string, node: string): boolean {
    const key = this.keyOf(jid);
    const features = key ? this.features.get(key) : undefined;
    return features?.has(`${node}+notify`) ?? false;
  }

  get size(): { resources: number; capsEntries: number; pendingQueries: number } {
    return { resources: this.resourceCount, capsEntries: this.features.size, pendingQueries: this.queries.size };
  }

  private keyOf(jid: string): string | undefined {
    const bare = jid.slice(0, jid.indexOf('/'));
    return this.byBare.get(bare, jid);
  }

  /** Verified hashes are shared by every resource announcing them; legacy caps (no hash) are per resource. */
  private capsKey(hash: string | undefined, ver: string, jid: string): string {
    return hash ? `${hash} ${ver}` : `jid ${jid}`;
  }

  private ask(key: string, node: string, hash: string | undefined, ver: string, jid: string, send: LinkSend): void {
    for (const q of this.queries.values()) if (q.key === key) return; // one query per hash
    if (this.queries.size >= this.limits.maxPendingQueries) return;
    const id = `caps-${process.pid}-${++this.nextId}-${Math.random().toString(36).slice(2, 8)}`;
    const timer = setTimeout(() => {
      const q = this.queries.get(id);
      this.queries.delete(id);
      if (q) pepCapsQueries.inc({ outcome: 'timeout' });
      for (const waiter of q?.waiters ?? []) waiter(undefined);
    }, this.limits.queryTimeoutMs);
    timer.unref();
    this.queries.set(id, { key, node, hash, ver, jid, timer, waiters: [] });
    void send(xml('iq', { type: 'get', id, from: this.domain, to: jid }, xml('query', { xmlns: NS_DISCO_INFO, node: `${node}#${ver}` })));
  }

  private remember(key: string, features: Features): void {
    this.features.delete(key);
    this.features.set(key, features);
    if (this.features.size > this.limits.maxCapsEntries) this.features.delete(this.features.keys().next().value!);
  }

  private repoint(jid: string, key: string): void {
    const bare = jid.slice(0, jid.indexOf('/'));
    if (this.byBare.has(bare, jid)) this.byBare.set(bare, jid, key);
  }

  private remove(bare: string, full: string): void {
    if (!this.byBare.delete(bare, full)) return;
    this.resourceCount--;
    pepTrackedResources.dec();
    const key = `jid ${full}`;
    this.features.delete(key);
  }
}
