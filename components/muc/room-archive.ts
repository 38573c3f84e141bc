// The room's message archive (XEP-0313 for MUC rooms, with XEP-0359 stanza ids): every groupchat
// message reflected in a persistent room gets `<stanza-id by='room'/>` and is archived under the
// room's JID; a MAM query to the room pages through it with the same form, RSM paging and
// flipped pages as a user's archive. The wire format (shared/router/archive/mam-query.ts), the
// bounded batching writer (archive-writer.ts: appends never wait, a full queue drops and counts)
// and the ArchiveStore interface are the server's own; the rooms' archive is a store of its own
// (the `muc` role opens it in DATA_DIR/muc-archive). Who may query: anyone who may enter —
// outcasts never, members-only rooms their members only (XEP-0313 §"MUC Archives" leaves the
// policy to the room). Archived messages are the reflected ones (from room/nick, occupant id
// included), so real JIDs never reach the archive. Destroying a room removes its archive. XEP-0431
// full-text search works on room archives too, with the embedded scan (archive-search.ts).
import { parse as parseXml, type Element } from 'ltx';
import type { Logger } from 'pino';
import { ArchiveWriter } from '../../shared/router/archive/archive-writer.js';
import { FULLTEXT, finElement, parseMamQuery, queryForm, resultMessage } from '../../shared/router/archive/mam-query.js';
import { DEFAULT_SEARCH_SCAN_LIMIT, scanningArchiveSearch, type ArchiveSearch } from '../../shared/router/archive/archive-search.js';
import { StanzaError as ArchiveQueryError } from '../../shared/router/server-iq.js';
import { ArchiveIdGenerator, archiveIdTime, isArchiveId } from '../../shared/storage/archive-id.js';
import type { ArchiveStore } from '../../shared/storage/types.js';
import type { RoomContext } from './muc-context.js';
import { affiliationOf, occupantJid, type Room } from './room.js';
import { childElements, cloneElement, iqResult, refuse, xml, type XmlElement } from './xml.js';

export const NS_MAM = 'urn:xmpp:mam:2';
export const NS_STANZA_ID = 'urn:xmpp:sid:0';
/** XEP-0431, advertised by archived rooms. */
export const NS_FULLTEXT = FULLTEXT;

export interface RoomArchive {
  store: ArchiveStore;
  writer: ArchiveWriter;
  ids: ArchiveIdGenerator;
  /** Most messages one page returns. */
  maxPageSize: number;
  /** XEP-0431 full-text search of the room's messages (the embedded scan, bounded); undefined when off. */
  search: ArchiveSearch | undefined;
}

export interface RoomArchiveOptions {
  /** Entries waiting to be written, at most (then new ones are dropped and counted). */
  maxQueue?: number;
  maxPageSize?: number;
  /** XEP-0431 on room archives (archive.fullTextSearch, default on). */
  fullTextSearch?: boolean;
  /** Messages one full-text search reads at most (archive.searchScanLimit). */
  searchScanLimit?: number;
}

export function createRoomArchive(store: ArchiveStore, log: Logger, options: RoomArchiveOptions = {}): RoomArchive {
  return {
    store,
    writer: new ArchiveWriter(store, { maxQueue: options.maxQueue ?? 10_000, maxQueueBytes: 16 * 1024 * 1024, log }),
    ids: new ArchiveIdGenerator(),
    maxPageSize: options.maxPageSize ?? 100,
    search: options.fullTextSearch === false ? undefined : scanningArchiveSearch(store, options.searchScanLimit ?? DEFAULT_SEARCH_SCAN_LIMIT),
  };
}

export function isArchived(archive: RoomArchive | undefined, room: Room): archive is RoomArchive {
  return archive !== undefined && room.config.persistent;
}

/**
 * XEP-0359 §3: a stanza-id claiming to be the room's is the sender's forgery and goes; in an
 * archived room the reflected message then gets the real one, and a copy is queued for the archive.
 */
export function stampAndArchive(ctx: RoomContext, reflected: XmlElement, nick: string): void {
  const { room } = ctx;
  reflected.children = reflected.children.filter((c) => typeof c === 'string' || !(c.name === 'stanza-id' && c.attrs.xmlns === NS_STANZA_ID && c.attrs.by === room.jid));
  const archive = ctx.service.archive;
  if (!isArchived(archive, room)) return;
  const { id } = archive.ids.next();
  const stored = cloneElement(reflected);
  delete stored.attrs.to;
  stored.attrs.xmlns = 'jabber:client';
  archive.writer.enqueue({ owner: room.jid, id, with: occupantJid(room, nick), xml: stored.toString() });
  reflected.append(xml('stanza-id', { xmlns: NS_STANZA_ID, by: room.jid, id }));
}

function mayRead(room: Room, bareJid: string): void {
  const affiliation = affiliationOf(room, bareJid);
  if (affiliation === 'outcast') refuse('auth', 'forbidden', 'You are banned from this room');
  if (room.config.membersOnly && affiliation === 'none') refuse('auth', 'forbidden', "Only members may read this room's archive");
}

const asXml = (el: Element) => el as unknown as XmlElement;

/** A muc#… MAM query to the room (XEP-0313 §4): get → the form of fields; set → result messages, then <fin/>. */
export async function handleRoomArchiveQuery(ctx: RoomContext, iq: XmlElement, query: XmlElement): Promise<XmlElement> {
  const { room } = ctx;
  const archive = ctx.service.archive;
  if (!isArchived(archive, room)) refuse('cancel', 'service-unavailable', 'This room keeps no archive');
  const from = iq.attrs.from ?? '';
  mayRead(room, from.split('/')[0]!);
  const fullText = archive.search !== undefined;
  if (iq.attrs.type === 'get') return iqResult(iq, asXml(queryForm(fullText)));

  let parsed: ReturnType<typeof parseMamQuery>;
  try {
    parsed = parseMamQuery(query as unknown as Element, archive.maxPageSize, fullText);
  } catch (err) {
    if (!(err instanceof ArchiveQueryError)) throw err;
    refuse(err.condition === 'feature-not-implemented' ? 'cancel' : 'modify', err.condition, err.message);
  }
  // What was said just before the query is in it: the writer's bounded queue is flushed first.
  await archive.writer.drain();
  if (!parsed.namedIds.every(isArchiveId) || (await archive.store.missing(room.jid, parsed.namedIds)).length > 0) {
    refuse('cancel', 'item-not-found', 'No such message in this archive');
  }
  let page: Awaited<ReturnType<ArchiveStore['query']>>;
  try {
    page = parsed.filter.words && archive.search ? await archive.search.search(room.jid, parsed.filter, parsed.page) : await archive.store.query(room.jid, parsed.filter, parsed.page);
  } catch (err) {
    if (!(err instanceof ArchiveQueryError)) throw err;
    refuse('modify', err.condition, err.message); // a search that scanned its bound without a match
  }
  const entries = parsed.flip ? [...page.entries].reverse() : page.entries;
  for (const entry of entries) {
    const stored = parseXml(entry.xml) as Element;
    ctx.send(asXml(resultMessage(room.jid, from, parsed.queryid, entry, stored)));
  }
  return iqResult(iq, asXml(finElement(page)));
}

/**
 * A persistent room loaded into memory (after a restart, or on the instance that took it over)
 * gets its discussion history back from the archive: the last `historyLength` messages, bounded
 * by `maxChars` like live history.
 */
export async function restoreHistory(archive: RoomArchive, room: Room, maxChars: number): Promise<void> {
  const limit = room.config.historyLength;
  if (limit <= 0) return;
  const page = await archive.store.query(room.jid, {}, { max: limit, before: '' });
  for (const entry of page.entries) {
    const stanza = cloneElement(parseXml(entry.xml) as unknown as XmlElement);
    delete stanza.attrs.xmlns;
    stanza.append(xml('stanza-id', { xmlns: NS_STANZA_ID, by: room.jid, id: entry.id }));
    room.history.push({ stanza, at: archiveIdTime(entry.id), chars: stanza.toString().length });
  }
  let total = room.history.reduce((sum, entry) => sum + entry.chars, 0);
  while (total > maxChars && room.history.length > 0) total -= room.history.shift()!.chars;
}

/** Whether a room IQ is a MAM query. */
export function mamQueryOf(iq: XmlElement): XmlElement | undefined {
  return childElements(iq).find((c) => c.name === 'query' && c.attrs.xmlns === NS_MAM);
}
