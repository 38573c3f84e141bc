// The message archive (XEP-0313) in LMDB. A commit's cost is mostly the B-tree pages it touches,
// and a user's pages are scattered: so a chat message is stored once, at the end of a time-ordered
// tree, however many archives hold it, and each archive gets one small entry.
// - archive-messages [id, first owner] → [xml, owners]: the message; keys increase with
//                  time, so a batch appends to the end of the tree (few pages per commit), and
//                  retention removes the oldest messages with one bounded range read.
// - archive-chunks [owner, chunk id] → the owner's entries of one write batch: id, with, and the
//                  message's first owner when it is another (archive-chunks.ts): a user's messages
//                  in time order, so the latest page is a short reverse range read (plus a point read
//                  per message) and start/end are key bounds; one put per user and index write, not
//                  per entry, written after the messages for a share of the users at a time (INDEX_SPREAD).
// - archive-with-days [owner, bare with, day] → 1: the UTC days (id time / 86,400,000) on which the
//                  owner exchanged messages with that JID, written once per day and peer; a `with`
//                  query reads those days' entries of the owner and keeps the peer's.
// Entries of the earlier layouts are still read, paged and purged; nothing new is written that way:
// `archive` [owner, id] → with, or [with, first owner] (one record per entry, beside the same
// archive-messages and archive-with-days), and before that { w, x } in `archive` with
// [owner, bare with, id] in `archive-with` and [id, owner] in `archive-time`. Reads merge the
// entry records and the chunks in id order. Preferences: one record per user in archive-prefs.
import type { Database, Key, RootDatabase } from 'lmdb';
import { bareOf, idRange, matchesWith, pageInMemory, pagesBackward, toPage } from '../archive-filter.js';
import { archiveIdBound, archiveIdTime } from '../archive-id.js';
import { archiveKeyFits } from '../archive-key-limit.js';
import type { ArchiveEntry, ArchivePrefs, ArchiveStore } from '../types.js';
import { chunkHolding, chunkRows, chunksOf, mergeChunk, withoutTriple, type ChunkKey, type IndexRow, type StoredChunk } from './archive-chunks.js';

export type ArchiveKey = [owner: string, id: string];
export type MessageKey = [id: string, firstOwner: string];
/** An index entry (with, or [with, first owner]), or an entry of the earlier layout. */
export type StoredArchiveEntry = string | [w: string, first: string] | { w: string; x: string };
/** One entry of an owner's archive, from a chunk or an entry record. */
interface Row {
  id: string;
  value: StoredArchiveEntry;
}
/**
 * A stored message: [xml, owners whose archives still hold it]. An array, not an object: lmdb-js's
 * msgpack writes an object's record structure into every value (no shared structures are set up),
 * which cost a structure allocation per put; records written that way ({ x, o }) are still read.
 */
export type StoredArchiveMessage = [x: string, o: string[]] | { x: string; o: string[] };
const xmlOf = (m: StoredArchiveMessage) => (Array.isArray(m) ? m[0] : m.x);
const ownersOf = (m: StoredArchiveMessage) => (Array.isArray(m) ? m[1] : m.o);

export const LMDB_ARCHIVE_DATABASES = {
  chunks: 'archive-chunks',
  messages: 'archive-messages',
  withDays: 'archive-with-days',
  /** The earlier layouts' indexes: read, never written. */
  entries: 'archive',
  byWith: 'archive-with',
  byTime: 'archive-time',
  prefs: 'archive-prefs',
} as const;

/** The ids filter is answered with point reads: at most this many ids per query. */
export const MAX_IDS_PER_QUERY = 250;
const DAY_MS = 86_400_000;
/** (owner, peer) pairs whose current day's key is known to be written, at most: a busy conversation does not rewrite its day. */
const KNOWN_DAYS = 100_000;
/** lmdb-js put options: fail (false from putSync) instead of overwriting an existing key. */
const NO_OVERWRITE = { noOverwrite: true } as const;
/**
 * Inside a write transaction: puts `value` unless `key` exists; true when it did. lmdb-js documents
 * putSync's boolean (README: "returns true if the put succeeded") but types it void.
 */
const putNew = <V, K extends Key>(db: Database<V, K>, key: K, value: V): boolean =>
  (db.putSync(key, value, NO_OVERWRITE) as unknown as boolean) === true;
const dayOf = (id: string) => Math.floor(archiveIdTime(id) / DAY_MS);

type Appended = ArchiveEntry & { owner: string };
/** With-days keys written by a transaction: [owner, bare peer, day]. */
type Fresh = Array<[owner: string, bare: string, day: number]>;

/**
 * The index of an owner's entries (its chunk, archive-chunks.ts) is written after their messages:
 * each batch writes the messages of all its entries but the index of only 1/INDEX_SPREAD of the
 * owners with entries waiting, those waiting longest first. A chunk put touches a B-tree page of
 * its own per owner (its key starts with the owner), which the commit copies and writes: at a
 * steady load every active user's page was rewritten by every batch, and those puts were most of
 * the archive's cost (docs/benchmarks.md, thirteenth session). Now each is about every
 * INDEX_SPREAD-th batch, with INDEX_SPREAD times as many entries. Reads of an owner write its
 * waiting entries first; when appends stop, the rest is written after INDEX_IDLE_MS; `flush`
 * (at close) writes everything. A crash loses the index entries still waiting (their messages
 * stay until retention removes them): about INDEX_SPREAD batches more than the writer's queue.
 */
export const INDEX_SPREAD = 3;
export const INDEX_IDLE_MS = 250;
/** An owner's hold on a stored message: [owner, id, first owner]. */
type Claim = [owner: string, id: string, first: string];

/**
 * Where the entries of `batch` from `i` on that are one message end: the same id and XML in
 * different archives, adjacent as the router queues them (the recipient's, then the sender's).
 */
function groupEnd(batch: readonly Appended[], i: number): number {
  const { id, xml } = batch[i];
  let end = i + 1;
  while (end < batch.length && batch[end].id === id && batch[end].xml === xml && !sameOwnerIn(batch, i, end)) end++;
  return end;
}

const maxId = (a: string, b: string) => (a > b ? a : b);
const minId = (a: string, b: string) => (a < b ? a : b);

const sameOwnerIn = (batch: readonly Appended[], from: number, to: number) => {
  for (let k = from; k < to; k++) if (batch[k].owner === batch[to].owner) return true;
  return false;
};

const rowOfIndex = (row: IndexRow): Row => ({ id: row.id, value: row.first === undefined ? row.with : [row.with, row.first] });

/** Two row streams in paging order merged into one; an id in both is handed out once. */
function* mergeRows(a: Iterator<Row>, b: Iterator<Row>, backward: boolean): Generator<Row> {
  try {
    let x = a.next();
    let y = b.next();
    let last: string | undefined;
    while (!x.done || !y.done) {
      let row: Row;
      if (y.done || (!x.done && (backward ? x.value.id > y.value.id : x.value.id < y.value.id))) {
        row = x.value as Row;
        x = a.next();
      } else {
        row = y.value;
        y = b.next();
      }
      if (row.id === last) continue;
      last = row.id;
      yield row;
    }
  } finally {
    a.return?.();
    b.return?.();
  }
}

/** The LMDB archive, with `flush`: writes every waiting index entry (before the environment closes). */
export type LmdbArchiveStore = ArchiveStore & { flush(): Promise<void> };

export interface LmdbArchiveOptions {
  /**
   * The share of waiting owners indexed per batch is 1/indexSpread (default INDEX_SPREAD); 1
   * indexes every entry with its batch (room archives: a room moved after its instance was
   * killed keeps what was said just before).
   */
  indexSpread?: number;
}

export function createLmdbArchiveStore(env: RootDatabase, options: LmdbArchiveOptions = {}): LmdbArchiveStore {
  const indexSpread = options.indexSpread ?? INDEX_SPREAD;
  const names = LMDB_ARCHIVE_DATABASES;
  const chunks: Database<StoredChunk, ChunkKey> = env.openDB(names.chunks, {});
  const entries: Database<StoredArchiveEntry, ArchiveKey> = env.openDB(names.entries, {});
  const messages: Database<StoredArchiveMessage, MessageKey> = env.openDB(names.messages, {});
  const withDays: Database<1, [string, string, number]> = env.openDB(names.withDays, {});
  const byWith: Database<1, [string, string, string]> = env.openDB(names.byWith, {});
  // owner → bare peer → the last day whose with-days key is written. Two lookups with the strings the
  // entry already has (no key string built per entry: that was a visible share of the append).
  const knownDays = new Map<string, Map<string, number>>();
  let knownPairs = 0;
  const dayKnown = (owner: string, bare: string, day: number) => knownDays.get(owner)?.get(bare) === day;
  const byTime: Database<1, [string, string]> = env.openDB(names.byTime, {});
  const prefs: Database<ArchivePrefs, string> = env.openDB(names.prefs, {});
  // Reused by append for every message it stores (see there).
  const scratchOwners: string[] = [];
  const scratchKey: MessageKey = ['', ''];
  const scratchMessage: [x: string, o: string[]] = ['', scratchOwners];

  const withOf = (value: StoredArchiveEntry): string => (typeof value === 'string' ? value : Array.isArray(value) ? value[0] : value.w);
  const firstOwnerOf = (owner: string, value: StoredArchiveEntry): string | undefined =>
    typeof value === 'string' ? owner : Array.isArray(value) ? value[1] : undefined;

  const resolve = (owner: string, id: string, value: StoredArchiveEntry): ArchiveEntry | undefined => {
    if (typeof value === 'object' && !Array.isArray(value)) return { id, with: value.w, xml: value.x };
    const message = messages.get([id, firstOwnerOf(owner, value)!]);
    return message && { id, with: withOf(value), xml: xmlOf(message) };
  };

  /** The owner's index value for `id`: an entry record, or the entry in a chunk. */
  const valueAt = (owner: string, id: string): StoredArchiveEntry | undefined => {
    const value = entries.get([owner, id]);
    if (value !== undefined) return value;
    const held = chunkHolding(chunks, owner, id);
    return held && rowOfIndex(held.row).value;
  };

  const entryAt = (owner: string, id: string): ArchiveEntry | undefined => {
    const value = valueAt(owner, id);
    return value === undefined ? undefined : resolve(owner, id, value);
  };

  /** The owner's entries with ids in [low, high] in paging order: chunks and entry records merged. */
  function* rows(owner: string, low: string, high: string, backward: boolean): Generator<Row> {
    const records = entries.getRange(backward ? { start: [owner, high], end: [owner, low], reverse: true, inclusiveEnd: true } : { start: [owner, low], end: [owner, high], inclusiveEnd: true });
    const fromRecords = (function* () {
      for (const { key, value } of records) yield { id: key[1], value };
    })();
    const fromChunks = (function* () {
      for (const row of chunkRows(chunks, owner, low, high, backward)) yield rowOfIndex(row);
    })();
    yield* mergeRows(fromRecords, fromChunks, backward);
  }

  /** The owner no longer holds the message [id, first]: the message goes with its last owner. */
  const release = (owner: string, id: string, first: string) => {
    const message = messages.get([id, first]);
    if (!message) return;
    const owners = ownersOf(message);
    const rest = owners.filter((o) => o !== owner);
    if (rest.length === 0) void messages.remove([id, first]);
    else if (rest.length < owners.length) void messages.put([id, first], [xmlOf(message), rest]);
  };

  /** Inside a write transaction; `endedDays`: the with-days index of days before this one goes too. */
  const removeEntry = (owner: string, id: string, endedDays = 0) => {
    let value: StoredArchiveEntry | undefined = entries.get([owner, id]);
    if (value !== undefined) void entries.remove([owner, id]);
    else {
      const held = chunkHolding(chunks, owner, id);
      if (!held) return;
      value = rowOfIndex(held.row).value;
      const rest = withoutTriple(held.chunk, held.index);
      void (rest ? chunks.put(held.key, rest) : chunks.remove(held.key));
    }
    const first = firstOwnerOf(owner, value);
    if (first === undefined) {
      void byWith.remove([owner, bareOf(withOf(value)), id]);
      void byTime.remove([id, owner]);
      return;
    }
    release(owner, id, first);
    const day = dayOf(id);
    if (day < endedDays) void withDays.remove([owner, bareOf(withOf(value)), day]);
  };

  /** Up to `wanted` entries with `peer` in [low, high], in paging order: the days it was seen, each day's entries. */
  const withPeer = (owner: string, peer: string, low: string, high: string, backward: boolean, wanted: number): ArchiveEntry[] => {
    const bare = bareOf(peer);
    const matches: ArchiveEntry[] = [];
    const [dayLow, dayHigh] = [dayOf(low), dayOf(high)];
    const days = withDays.getKeys(
      backward ? { start: [owner, bare, dayHigh], end: [owner, bare, dayLow], reverse: true, inclusiveEnd: true } : { start: [owner, bare, dayLow], end: [owner, bare, dayHigh], inclusiveEnd: true },
    );
    for (const [, , day] of days) {
      const from = maxId(low, archiveIdBound(day * DAY_MS, 'first'));
      const to = minId(high, archiveIdBound((day + 1) * DAY_MS - 1, 'last'));
      for (const { id, value } of rows(owner, from, to, backward)) {
        if (!matchesWith(withOf(value), peer)) continue;
        const entry = resolve(owner, id, value);
        if (entry) matches.push(entry);
        if (matches.length >= wanted) return matches;
      }
    }
    return matches;
  };

  /** The same from the earlier layout's index. */
  const withPeerBefore = (owner: string, peer: string, low: string, high: string, backward: boolean, wanted: number): ArchiveEntry[] => {
    const bare = bareOf(peer);
    const matches: ArchiveEntry[] = [];
    const [start, end]: Array<[string, string, string]> = [[owner, bare, low], [owner, bare, high]];
    for (const key of byWith.getKeys(backward ? { start: end, end: start, reverse: true, inclusiveEnd: true } : { start, end, inclusiveEnd: true })) {
      const entry = entryAt(owner, key[2]);
      if (entry && matchesWith(entry.with, peer)) matches.push(entry);
      if (matches.length >= wanted) break;
    }
    return matches;
  };

  /** Claims (owner, id, first owner) on messages made before `bound`, oldest first, at most `limit`. */
  const expired = (bound: string, limit: number): Claim[] => {
    const claims: Claim[] = [];
    for (const { key, value } of messages.getRange({ start: [''], end: [bound], limit })) {
      for (const owner of ownersOf(value)) {
        if (claims.length >= limit) return claims;
        claims.push([owner, key[0], key[1]]);
      }
    }
    return claims;
  };

  // Entries whose messages are stored and whose index (chunks, with-days) is not written yet:
  // owner → flat triples, the owner waiting longest first (Map order). See INDEX_SPREAD.
  const unindexed = new Map<string, string[]>();
  /** Settles once every write handed to LMDB so far has committed (or failed). */
  let lastWrite: Promise<unknown> = Promise.resolve();
  let idle: ReturnType<typeof setTimeout> | undefined;
  let appendsSinceArmed = 0;

  /** Inside a write transaction: the with-days keys of one owner's triples not known to be written (once per peer and day, not per entry). */
  const noteDays = (owner: string, triples: string[], fresh: Fresh) => {
    // The day of the first entry, and its id bounds: string comparisons place the others.
    const firstDay = dayOf(triples[0]);
    const low = archiveIdBound(firstDay * DAY_MS, 'first');
    const high = archiveIdBound((firstDay + 1) * DAY_MS - 1, 'last');
    let lastWith: string | undefined;
    let bare = '';
    let lastBare: string | undefined;
    let lastDay = -1;
    for (let t = 0; t < triples.length; t += 3) {
      const id = triples[t];
      const day = id >= low && id <= high ? firstDay : dayOf(id);
      const w = triples[t + 1];
      if (w !== lastWith) bare = bareOf((lastWith = w));
      if (bare === lastBare && day === lastDay) continue;
      lastBare = bare;
      lastDay = day;
      if (dayKnown(owner, bare, day)) continue;
      void withDays.put([owner, bare, day], 1);
      fresh.push([owner, bare, day]);
    }
  };

  /** Inside a write transaction: one owner's waiting entries into its chunks (archive-chunks.ts) and with-days keys. */
  const writeIndex = (owner: string, triples: string[], fresh: Fresh) => {
    noteDays(owner, triples, fresh);
    for (const [first, chunk] of chunksOf(triples)) {
      const key: ChunkKey = [owner, first];
      // The same key twice means an entry appended again: merged, never overwritten. A chunk key
      // is almost always new, so the put itself finds out (one B-tree descent, not a read and then a put).
      if (putNew(chunks, key, chunk)) continue;
      const stored = chunks.get(key);
      void chunks.put(key, stored ? mergeChunk(stored, chunk) : chunk);
    }
  };

  /** Once committed: the with-days keys written are known. */
  const remember = (fresh: Fresh) => {
    if (knownPairs + fresh.length > KNOWN_DAYS) {
      knownDays.clear();
      knownPairs = 0;
    }
    for (const [owner, bare, day] of fresh) {
      let peers = knownDays.get(owner);
      if (!peers) knownDays.set(owner, (peers = new Map()));
      if (!peers.has(bare)) knownPairs++;
      peers.set(bare, day);
    }
  };

  /**
   * Writes the waiting index of `owner` (of every owner when undefined); settles once it and every
   * earlier write are committed. Reads call it first: an owner's entries are read as soon as their append resolved.
   */
  const flushIndex = (owner?: string): Promise<unknown> => {
    if (owner === undefined ? unindexed.size === 0 : !unindexed.has(owner)) return lastWrite;
    const fresh: Fresh = [];
    const written = env.transaction(() => {
      const owners = owner === undefined ? [...unindexed] : [[owner, unindexed.get(owner)] as const];
      for (const [o, triples] of owners) {
        if (!triples || !unindexed.delete(o)) continue; // taken by a transaction that ran first
        writeIndex(o, triples, fresh);
      }
    }).then(() => remember(fresh));
    lastWrite = written.catch(() => undefined);
    return written;
  };

  /** When appends stop, what waits is written after INDEX_IDLE_MS (a failed write loses those index entries, as a failed append does). */
  const armIdle = () => {
    if (idle || unindexed.size === 0) return;
    appendsSinceArmed = 0;
    idle = setTimeout(() => {
      idle = undefined;
      if (appendsSinceArmed > 0) armIdle();
      else flushIndex().catch(() => undefined);
    }, INDEX_IDLE_MS);
    idle.unref?.();
  };

  return {
    // Not an async function, and the transaction lets go of the batch once it has run: nothing
    // holds the entries while LMDB commits (router/archive/archive-writer.ts lets go of them too).
    append: (entries) => {
      // An over-long key would fail the whole transaction (archive-key-limit.ts); the writer drops
      // such entries before they get here, this is for every other caller.
      if (!entries.every((e) => archiveKeyFits(e.owner, e.with))) entries = entries.filter((e) => archiveKeyFits(e.owner, e.with));
      if (entries.length === 0) return Promise.resolve();
      const fresh: Fresh = [];
      let pending: typeof entries | undefined = entries;
      appendsSinceArmed++;
      const written = env.transaction(() => {
        const batch = pending!;
        pending = undefined;
        for (let i = 0; i < batch.length; ) {
          const end = groupEnd(batch, i);
          const { owner: first, id, xml } = batch[i];
          const owners = scratchOwners;
          owners.length = end - i;
          for (let k = i; k < end; k++) {
            const { owner, with: w } = batch[k];
            owners[k - i] = owner;
            const triples = unindexed.get(owner);
            if (triples) triples.push(id, w, k === i ? '' : first);
            else unindexed.set(owner, [id, w, k === i ? '' : first]);
          }
          // One key and one value array for every put: a put inside a transaction encodes them at once.
          scratchKey[0] = id;
          scratchKey[1] = first;
          scratchMessage[0] = xml;
          void messages.put(scratchKey, scratchMessage);
          i = end;
        }
        // The index of a share of the owners with entries waiting, those waiting longest first.
        let quota = Math.ceil(unindexed.size / indexSpread);
        for (const [owner, triples] of unindexed) {
          if (quota-- === 0) break;
          unindexed.delete(owner);
          writeIndex(owner, triples, fresh);
        }
      }).then(() => {
        remember(fresh);
        armIdle(); // after the callback has run: only then are this batch's entries waiting
      });
      lastWrite = written.catch(() => undefined);
      return written;
    },

    flush: () => {
      if (idle) clearTimeout(idle);
      idle = undefined;
      return flushIndex().then(() => undefined);
    },

    query: async (owner, filter, page) => {
      await flushIndex(owner);
      if (filter.ids) {
        const found = filter.ids.slice(0, MAX_IDS_PER_QUERY).map((id) => entryAt(owner, id)).filter((e) => e !== undefined);
        return pageInMemory(found, filter, page);
      }
      const range = idRange(filter, page);
      if (!range) return { entries: [], complete: true };
      const backward = pagesBackward(page);
      const wanted = page.max + 1;
      const matches: ArchiveEntry[] = [];
      if (filter.with !== undefined) {
        const current = withPeer(owner, filter.with, range.low, range.high, backward, wanted);
        const before = withPeerBefore(owner, filter.with, range.low, range.high, backward, wanted);
        const seen = new Set(current.map((e) => e.id));
        matches.push(...current, ...before.filter((e) => !seen.has(e.id)));
        matches.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (backward) matches.reverse();
        matches.length = Math.min(matches.length, wanted);
      } else {
        for (const { id, value } of rows(owner, range.low, range.high, backward)) {
          const entry = resolve(owner, id, value);
          if (entry) matches.push(entry);
          if (matches.length >= wanted) break;
        }
      }
      return toPage(matches, page);
    },

    missing: async (owner, ids) => {
      await flushIndex(owner);
      return ids.filter((id) => valueAt(owner, id) === undefined);
    },

    bounds: async (owner) => {
      await flushIndex(owner);
      let first: string | undefined;
      let last: string | undefined;
      for (const row of rows(owner, '', '\uffff', false)) {
        first = row.id;
        break;
      }
      for (const row of rows(owner, '', '\uffff', true)) {
        last = row.id;
        break;
      }
      return first !== undefined && last !== undefined ? { first, last } : undefined;
    },

    removeBefore: async (time, limit) => {
      await flushIndex();
      const bound = archiveIdBound(time, 'first');
      // The earlier layout's entries are older than any of the current one: they go first.
      const old = [...byTime.getKeys({ start: [''], end: [bound], limit })] as Array<[string, string]>;
      const current = old.length < limit ? expired(bound, limit - old.length) : [];
      if (old.length + current.length === 0) return 0;
      await env.transaction(() => {
        const endedDays = Math.floor(time / DAY_MS);
        for (const [id, owner] of old) removeEntry(owner, id);
        for (const [owner, id, first] of current) {
          const value = valueAt(owner, id);
          if (value !== undefined && firstOwnerOf(owner, value) === first) removeEntry(owner, id, endedDays);
          else release(owner, id, first); // the entry was replaced or is gone: only the message's claim
        }
      });
      knownDays.clear();
      knownPairs = 0;
      return old.length + current.length;
    },

    getPrefs: async (owner) => prefs.get(owner),
    setPrefs: async (owner, value) => {
      await prefs.put(owner, { default: value.default, always: [...value.always], never: [...value.never] });
    },

    clear: async (owner) => {
      await flushIndex(owner);
      await env.transaction(() => {
        const [low, high]: ArchiveKey[] = [[owner, ''], [owner, '\uffff']];
        const ids = [...entries.getKeys({ start: low, end: high })].map((key) => key[1]);
        for (const id of ids) removeEntry(owner, id);
        for (const { key, value } of [...chunks.getRange({ start: low, end: high })]) {
          for (let i = 0; i < value.length; i += 3) release(owner, value[i], value[i + 2] || owner);
          void chunks.remove(key);
        }
        for (const key of [...withDays.getKeys({ start: [owner], end: [owner, '\uffff'] })]) void withDays.remove(key);
        void prefs.remove(owner);
      });
      knownDays.clear();
      knownPairs = 0;
    },
  };
}
