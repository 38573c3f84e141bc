// The blocklists of online users in memory, and the checks the router runs on every stanza
// (XEP-0191 §3.3). Only users with a bound resource are cached (loaded when their first resource
// binds, dropped when their last one goes), so memory is bounded by the online users and routing
// a stanza costs one Map lookup — plus up to four Set lookups when the user has blocked anyone.
// Users without a resource here are checked against storage on the slow paths that reach them
// (offline storage).
import type { Element } from 'ltx';
import { parseJid, type Jid } from '../../jid.js';
import type { AccountDataStore } from '../../storage/types.js';
import { stanzaErrorReply } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';
import type { RoutedSession } from '../session.js';

export const BLOCKING = NS.blocking;
export const BLOCKING_ERRORS = NS.blockingErrors;
/** The account-data key of a user's blocklist (a JSON array of normalised JIDs). */
export const BLOCKLIST_KEY = 'blocklist';

/**
 * Whether `jid` matches an item of the list, in the order of XEP-0191 §4 (= XEP-0016):
 * user@domain/resource, user@domain, domain/resource, domain.
 */
export function matchesBlocklist(list: ReadonlySet<string>, jid: Jid): boolean {
  if (list.size === 0) return false;
  if (list.has(jid.full) || list.has(jid.domain)) return true;
  if (!jid.local) return false; // domain/resource was jid.full
  return list.has(jid.bare) || (jid.resource !== '' && list.has(`${jid.domain}/${jid.resource}`));
}

/** The list of every online user who blocked nobody: one shared Set (cached lists are never changed in place; block/unblock copy). */
const NO_BLOCKS: Set<string> = new Set();

export class BlocklistCache {
  /** Bare JID → its blocklist, or the load in flight. Only users with a bound resource. */
  private readonly lists = new Map<string, Set<string> | Promise<Set<string>>>();

  constructor(private readonly router: Router, private readonly store: AccountDataStore) {}

  /** The user's list from storage, as a new Set (empty when none or unreadable). */
  async read(bare: string): Promise<Set<string>> {
    try {
      const json = await this.store.get(bare, BLOCKLIST_KEY);
      const items: unknown = json ? JSON.parse(json) : [];
      const jids = Array.isArray(items) ? items.filter((i): i is string => typeof i === 'string') : [];
      return jids.length === 0 ? NO_BLOCKS : new Set(jids);
    } catch (err) {
      this.router.log.error({ err, user: bare }, 'reading the blocklist failed; treating it as empty');
      return NO_BLOCKS;
    }
  }

  async write(bare: string, list: ReadonlySet<string>): Promise<void> {
    if (list.size === 0) await this.store.delete(bare, BLOCKLIST_KEY);
    else await this.store.put(bare, BLOCKLIST_KEY, JSON.stringify([...list]));
  }

  /** A resource was bound: load the user's list unless it is cached or loading. */
  sessionBound(session: RoutedSession): void {
    const bare = session.jid.bare;
    if (this.lists.has(bare)) return;
    const loading = this.read(bare).then((list) => {
      // Keep it only while the user is still online and nobody replaced it meanwhile.
      if (this.lists.get(bare) === loading) {
        if (this.router.sessions.resourcesOf(bare).length > 0) this.lists.set(bare, list);
        else this.lists.delete(bare);
      }
      return list;
    });
    this.lists.set(bare, loading);
  }

  /** A resource is gone: forget the list with the user's last resource. */
  sessionEnded(session: RoutedSession): void {
    if (this.router.sessions.resourcesOf(session.jid.bare).length === 0) this.lists.delete(session.jid.bare);
  }

  /** The cached list of an online user, undefined while not loaded (or the user is offline). */
  cached(bare: string): ReadonlySet<string> | undefined {
    const entry = this.lists.get(bare);
    return entry instanceof Set ? entry : undefined;
  }

  /** The user's list: the cached one, the load in flight, or (offline users) storage. */
  async listOf(bare: string): Promise<ReadonlySet<string>> {
    return this.lists.get(bare) ?? this.read(bare);
  }

  /** Replaces an online user's cached list (after block/unblock has stored it). */
  replace(bare: string, list: Set<string>): void {
    if (this.router.sessions.resourcesOf(bare).length > 0) this.lists.set(bare, list);
  }

  /** Whether `owner` has blocked `other` (cached lists only; offline users: false). */
  blocks(owner: string, other: Jid): boolean {
    const list = this.lists.get(owner);
    return list instanceof Set && matchesBlocklist(list, other);
  }

  /**
   * §3.3, inbound: a stanza for a local user from someone they blocked. Presence is dropped,
   * messages and IQ get/set answered with service-unavailable, the rest dropped. Returns true when
   * the router must not deliver it. Routing never waits: while a just-bound user's list is still
   * loading (one storage read, started at bind) stanzas pass; messages that go to offline storage
   * are checked there against storage (refusesInboundOffline).
   */
  refusesInbound(stanza: Element, to: Jid): boolean {
    const entry = this.lists.get(to.bare);
    if (!(entry instanceof Set) || entry.size === 0) return false;
    const from = this.senderOf(stanza, to);
    if (!from || !matchesBlocklist(entry, from)) return false;
    this.refuseInbound(stanza);
    return true;
  }

  /** The same check for a user with no resource here (the offline-storage path). */
  async refusesInboundOffline(stanza: Element, bare: string): Promise<boolean> {
    const to = parseJid(bare);
    const from = to && this.senderOf(stanza, to);
    if (!from || !matchesBlocklist(await this.listOf(bare), from)) return false;
    this.refuseInbound(stanza);
    return true;
  }

  /**
   * §3.3, outbound: the user's own stanza to a JID they blocked is not routed; it is answered
   * with not-acceptable + <blocked/> (errors and IQ results are just dropped).
   */
  refusesOutbound(session: RoutedSession, stanza: Element, to: Jid): boolean {
    const list = this.lists.get(session.jid.bare);
    if (!(list instanceof Set) || list.size === 0 || to.bare === session.jid.bare || to.full === this.router.domain) return false;
    if (!matchesBlocklist(list, to)) return false;
    const type = stanza.attrs.type;
    if (type === 'error' || (stanza.name === 'iq' && type === 'result')) return true;
    const reply = stanzaErrorReply(stanza, 'not-acceptable', undefined, 'cancel'); // from the contact, as in §3.3's example
    reply.getChild('error')!.c('blocked', { xmlns: BLOCKING_ERRORS });
    session.deliver(reply);
    return true;
  }

  /**
   * Stanzas the roster component sends on a user's behalf (presence broadcast, probes): dropped
   * between a user and a JID they blocked, in either direction, without an error.
   */
  refusesPrivileged(from: Jid, to: Jid): boolean {
    if (from.bare === to.bare) return false;
    return this.blocks(from.bare, to) || this.blocks(to.bare, from);
  }

  private refuseInbound(stanza: Element): void {
    const type = stanza.attrs.type;
    if (stanza.name === 'message' || (stanza.name === 'iq' && (type === 'get' || type === 'set'))) {
      this.router.bounce(stanza, 'service-unavailable');
    }
  }

  /** The sender, unless it is the user themself or this server (a user cannot block their own server). */
  private senderOf(stanza: Element, to: Jid): Jid | undefined {
    const raw: string | undefined = stanza.attrs.from;
    if (!raw || raw === this.router.domain) return undefined;
    const from = parseJid(raw);
    return from && from.bare !== to.bare ? from : undefined;
  }
}
