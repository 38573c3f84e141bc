// User archives (XEP-0313 §3.1, §5.1.1): every one-to-one chat or normal message with a body is
// archived once for its local sender and once for its local recipient, with a server timestamp
// (in the id) and, on the recipient's copy, a XEP-0359 <stanza-id by=recipient/>. The router calls
// `sent` from fromClient and `received` from LocalDelivery.deliver; both only queue the write.
import { Element } from 'ltx';
import type { Jid } from '../../jid.js';
import type { Logger } from '../../log.js';
import { ArchiveIdGenerator } from '../../storage/archive-id.js';
import type { AccountStore, ArchiveStore, RosterStore, Stores } from '../../storage/types.js';
import type { ArchiveConfig } from '../../config/types.js';
import { DEFAULT_CONFIG } from '../../config/defaults.js';
import { NS } from '../../xml/namespaces.js';
import type { SessionDirectory } from '../session-directory.js';
import type { RoutedSession } from '../session.js';
import { ArchivePrefsCache } from './archive-prefs.js';
import { ArchiveWriter } from './archive-writer.js';
import { ArchiveRetention } from './archive-retention.js';
import { StampedCopy } from './stamped-copy.js';
import { DEFAULT_SEARCH_SCAN_LIMIT, scanningArchiveSearch, type ArchiveSearch } from './archive-search.js';

export const MAM = NS.mam;
/** XEP-0313 §8: before-id/after-id/ids, flipped pages and metadata. */
export const MAM_EXTENDED = `${NS.mam}#extended`;
export const STANZA_ID = NS.stanzaId;
const HINTS = NS.hints;
/**
 * User archives gather a batch for up to this long, and up to USER_ARCHIVE_BATCH entries
 * (archive-writer.ts): an LMDB commit costs about one write per B-tree page it touches, and the
 * entries of a batch share the pages of the users they belong to, so at a steady chat load a
 * commit holds thousands of entries instead of a few dozen. A crash can lose what was queued (as
 * before, plus at most this long); stopping the server writes everything.
 */
export const USER_ARCHIVE_FLUSH_DELAY_MS = 100;
export const USER_ARCHIVE_BATCH = 4000;

export interface MessageArchiveOptions {
  /** Write queue bound (entries); beyond it entries are dropped and counted. */
  maxQueue: number;
  maxQueueBytes: number;
  /** Largest page a query returns (a bigger RSM max gets this many). */
  maxPageSize: number;
  /** Entries older than this are purged; 0 keeps them forever. */
  retentionDays: number;
  /** How often the purge runs, and how many entries one run removes at most. */
  purgeIntervalSeconds: number;
  purgeBatch: number;
  /** XEP-0431 full-text search (advertised and answered only when true). */
  fullTextSearch?: boolean;
  /** Messages the embedded search reads per query, at most. */
  searchScanLimit?: number;
}

/** XEP-0313 §5.1.1 and XEP-0334: what goes into a user archive. */
export function isArchivable(message: Element): boolean {
  const type = message.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  // One pass over the children (getChild builds an array per call; this runs twice per message).
  let wanted = false;
  for (const child of message.children) {
    if (!(child instanceof Element)) continue;
    const ns = child.attrs.xmlns;
    if (ns === HINTS) {
      if (child.name === 'no-store' || child.name === 'no-permanent-store') return false;
      if (child.name === 'store') wanted = true;
    } else if (child.name === 'result' && ns === MAM) return false;
    else if (child.name === 'body') wanted = true;
  }
  return wanted;
}

/**
 * The delivered copy's XML: the archived XML with <stanza-id/> before the end tag, as ltx would
 * serialise it, in one join (adding it up piece by piece made a string per piece, every archived
 * message). ltx's per-attribute escaping is not needed: the id is hex digits, and a bare JID
 * needs escaping only if it holds a quote or an ampersand (RFC 7622 forbids them in localparts;
 * checked anyway). Undefined when `xml` does not end with `end`.
 */
const NEEDS_ESCAPE = /["&'<>]/;
const MESSAGE_END = '</message>';
const stampedPieces = ['', `<stanza-id xmlns="${STANZA_ID}" by="`, '', '" id="', '', '"/>', ''];
function stampedXml(xml: string, end: string, by: string, id: string): string | undefined {
  if (!xml.endsWith(end)) return undefined;
  if (NEEDS_ESCAPE.test(by)) return xml.slice(0, xml.length - end.length) + new Element('stanza-id', { xmlns: STANZA_ID, by, id }).toString() + end;
  stampedPieces[0] = xml.slice(0, xml.length - end.length);
  stampedPieces[2] = by;
  stampedPieces[4] = id;
  stampedPieces[6] = end;
  const stamped = stampedPieces.join('');
  stampedPieces[0] = stampedPieces[2] = stampedPieces[4] = stampedPieces[6] = ''; // holds no message
  return stamped;
}

const isOwnStanzaId = (c: Element | string, owner: string) =>
  c instanceof Element && c.name === 'stanza-id' && c.attrs.xmlns === STANZA_ID && c.attrs.by === owner;

export class MessageArchive {
  readonly writer: ArchiveWriter;
  readonly prefs: ArchivePrefsCache;
  readonly retention: ArchiveRetention;
  /** XEP-0431 full-text search: the embedded scan, or the index `useSearch` set (Elasticsearch); undefined when off. */
  search: ArchiveSearch | undefined;
  private readonly ids = new ArchiveIdGenerator();
  /**
   * The last message archived for its recipient unchanged, its XML and its id: the sender's entry
   * reuses both, so the store keeps the message once for the two archives (lmdb/archive-store.ts).
   */
  private lastReceived: Element | undefined;
  private lastReceivedXml = '';
  private lastReceivedId: string | undefined;

  constructor(
    readonly store: ArchiveStore,
    private readonly accounts: AccountStore,
    rosters: RosterStore | undefined,
    private readonly sessions: SessionDirectory,
    readonly options: MessageArchiveOptions,
    log: Logger,
  ) {
    this.writer = new ArchiveWriter(store, {
      maxQueue: options.maxQueue, maxQueueBytes: options.maxQueueBytes, flushDelayMs: USER_ARCHIVE_FLUSH_DELAY_MS, batchSize: USER_ARCHIVE_BATCH, log,
      onWritten: () => this.search?.indexed?.bind(this.search),
    });
    this.prefs = new ArchivePrefsCache(store, rosters);
    this.retention = new ArchiveRetention(store, options, log, Date.now, async (before) => this.search?.purgedBefore(before));
    this.search = options.fullTextSearch === false ? undefined : scanningArchiveSearch(store, options.searchScanLimit ?? DEFAULT_SEARCH_SCAN_LIMIT);
  }

  /** A message a local user's session sent: into the sender's archive. */
  sent(session: RoutedSession, message: Element, to: Jid | undefined): void {
    if (!to || to.bare === session.jid.bare) return; // to oneself: archived once, as received
    if (!isArchivable(message)) return;
    const same = message === this.lastReceived;
    this.lastReceived = undefined;
    this.queue(session.jid.bare, to.full, same ? this.lastReceivedXml : message.toString(), true, same ? this.lastReceivedId : undefined);
  }

  /** A message for a local user: into their archive; resolves to the copy to deliver (with stanza-id). */
  received(message: Element, to: Jid): Element {
    if (!isArchivable(message)) return message;
    const owner = to.bare;
    // XEP-0359 §5: a stanza-id claiming to come from the recipient's archive is a forgery.
    let forged = false;
    for (const c of message.children) if (isOwnStanzaId(c, owner)) forged = true;
    const copy = new StampedCopy(message.name);
    copy.attrs = { ...message.attrs };
    // The copy's children are set once, with room for the stamp (a push would grow the array).
    const kept = forged ? message.children.filter((c) => !isOwnStanzaId(c, owner)) : message.children;
    if (forged) copy.children = kept;
    const xml = forged ? copy.toString() : message.toString();
    const known = this.sessions.resourcesOf(owner).length > 0; // an online user has an account
    const id = this.queue(owner, message.attrs.from ?? to.domain, xml, known);
    if (!forged) {
      // Routing delivers before it archives the sender's copy (Router.fromClient): the same XML
      // and id, serialised once and stored once.
      this.lastReceived = message;
      this.lastReceivedXml = xml;
      this.lastReceivedId = id;
    }
    if (!id) {
      if (!forged) copy.children = kept.slice();
      return copy;
    }
    const stamp = new Element('stanza-id', { xmlns: STANZA_ID, by: owner, id });
    const children = new Array<Element | string>(kept.length + 1);
    for (let i = 0; i < kept.length; i++) children[i] = kept[i]!;
    children[kept.length] = stamp;
    copy.children = children;
    copy.sealed(stamp, stampedXml(xml, message.name === 'message' ? MESSAGE_END : `</${message.name}>`, owner, id));
    return copy;
  }

  /** Queues one entry (with the id of the same message in another archive, if any); the id, or undefined when the preferences say no or the queue is full. */
  private queue(owner: string, peer: string, xml: string, accountKnown: boolean, sharedId?: string): string | undefined {
    const verdict = this.prefs.verdict(owner, peer);
    if (verdict === false) return undefined;
    const id = sharedId ?? this.ids.nextId();
    // The usual case (online recipient or local sender, preferences cached) needs no check at all
    // (and the check's closure is made elsewhere: here it would cost a context per message).
    const check = accountKnown && verdict !== 'unknown' ? undefined : this.checkFor(owner, peer, accountKnown, verdict === 'unknown');
    return this.writer.enqueue({ owner, id, with: peer, xml, check }) ? id : undefined;
  }

  /** What the writer settles before storing an entry: the owner has an account, and the preferences (not cached when queued) say yes. */
  private checkFor(owner: string, peer: string, accountKnown: boolean, prefsUnknown: boolean): () => Promise<boolean> {
    return async () => (accountKnown || (await this.accounts.get(owner)) !== undefined) && (!prefsUnknown || (await this.prefs.settle(owner, peer)));
  }

  /** Full-text search through an index (Elasticsearch) instead of the embedded scan; kept off when fullTextSearch is. */
  useSearch(search: ArchiveSearch): void {
    if (this.search) this.search = search;
  }

  /** Writes what is queued and stops the purge timer. */
  async stop(): Promise<void> {
    this.retention.stop();
    await this.writer.drain();
  }
}


/** The router's archive: undefined when archive.enabled is false or the backend has no archive store. */
export function createMessageArchive(
  stores: Stores,
  config: ArchiveConfig | undefined,
  sessions: SessionDirectory,
  log: Logger,
): MessageArchive | undefined {
  const options = config ?? DEFAULT_CONFIG.archive;
  if (!options.enabled || !stores.archive) return undefined;
  const archive = new MessageArchive(stores.archive, stores.accounts, stores.rosters, sessions, options, log.child({ module: 'archive' }));
  archive.retention.start();
  return archive;
}
