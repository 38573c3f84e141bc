// A user's archive index in chunks: one LMDB record per owner and write batch, holding that
// batch's entries of the owner, instead of one record per entry. A chat message is in two
// archives, so at a steady load a batch of 100 ms touches each active user a few times: the
// puts (key encoding, B-tree search and insert on the main thread, inside the batch's
// transaction) drop from one per entry to one per user (docs/benchmarks.md, eleventh session).
// Since the thirteenth session a user's chunk is written about every third batch (archive-store.ts,
// INDEX_SPREAD), so it holds that many batches' entries.
//
// archive-chunks [owner, chunk id] → [id, with, first owner ('' = this owner), id, with, …]
// Invariant: every id of a chunk is ≥ its key and at most CHUNK_SPAN_MS later. Chunks of one
// owner may overlap (the nodes of a fleet sharing one directory write their own batches), so
// reads merge them in id order: a scan starts CHUNK_SPAN_MS before its low bound, and going
// backward an entry is only handed out once no unread chunk can hold a later one.
import type { Database } from 'lmdb';
import { archiveIdBound, archiveIdTime } from '../archive-id.js';

export type ChunkKey = [owner: string, first: string];
/** Flat triples: id, with, first owner ('' when it is the chunk's owner). */
export type StoredChunk = string[];
/** One entry of an owner's archive as the index holds it: with, and the message's first owner when another. */
export interface IndexRow {
  id: string;
  with: string;
  /** The message's first owner ([id, first] in archive-messages); undefined for the row's owner. */
  first: string | undefined;
}

/** How much later than its key a chunk's last id may be: the scans' look-behind. */
export const CHUNK_SPAN_MS = 1000;
const STRIDE = 3;

const validId = (id: string) => id.length === 16;
/** The smallest key a chunk holding ids ≥ `low` can have. */
const scanStart = (low: string) => (validId(low) ? archiveIdBound(archiveIdTime(low) - CHUNK_SPAN_MS, 'first') : '');
/** The largest id a chunk keyed `key` can hold. */
const lastIdOf = (key: string) => archiveIdBound(archiveIdTime(key) + CHUNK_SPAN_MS, 'last');

/** Triples (flat) sorted by id; `skip` leaves out the ids it holds. */
function sortedTriples(triples: readonly string[], skip?: ReadonlySet<string>): string[] {
  const rows: string[][] = [];
  for (let i = 0; i < triples.length; i += STRIDE) if (!skip?.has(triples[i])) rows.push(triples.slice(i, i + STRIDE));
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rows.flat();
}

/**
 * Splits one owner's triples of a batch (flat, in any order) into chunks that keep the span
 * invariant: [key, triples] pairs, each sorted by id.
 */
export function chunksOf(triples: string[]): Array<[string, StoredChunk]> {
  let sorted = true;
  for (let i = STRIDE; i < triples.length; i += STRIDE) if (triples[i] < triples[i - STRIDE]) sorted = false;
  if (!sorted) triples = sortedTriples(triples);
  // The usual batch: one chunk, two ids read.
  if (archiveIdTime(triples[triples.length - STRIDE]) - archiveIdTime(triples[0]) <= CHUNK_SPAN_MS) return [[triples[0], triples]];
  const chunks: Array<[string, StoredChunk]> = [];
  let start = 0;
  let startTime = archiveIdTime(triples[0]);
  for (let i = STRIDE; i <= triples.length; i += STRIDE) {
    if (i < triples.length && archiveIdTime(triples[i]) - startTime <= CHUNK_SPAN_MS) continue;
    chunks.push([triples[start], start === 0 && i === triples.length ? triples : triples.slice(start, i)]);
    if (i < triples.length) {
      start = i;
      startTime = archiveIdTime(triples[i]);
    }
  }
  return chunks;
}

/** Adds triples to a chunk already stored under the same key (an id written twice: the new one wins). */
export function mergeChunk(stored: StoredChunk, added: StoredChunk): StoredChunk {
  const addedIds = new Set<string>();
  for (let i = 0; i < added.length; i += STRIDE) addedIds.add(added[i]);
  return sortedTriples([...sortedTriples(stored, addedIds), ...added]);
}

const rowAt = (chunk: StoredChunk, i: number): IndexRow => ({ id: chunk[i], with: chunk[i + 1], first: chunk[i + 2] || undefined });
const byId = (a: IndexRow, b: IndexRow) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The owner's rows with ids in [low, high], in id order (descending when `backward`), read lazily. */
export function* chunkRows(chunks: Database<StoredChunk, ChunkKey>, owner: string, low: string, high: string, backward: boolean): Generator<IndexRow> {
  const pending: IndexRow[] = []; // read, not handed out yet, in paging order: at most about one span's entries
  const take = (chunk: StoredChunk) => {
    const before = pending.length;
    for (let i = 0; i < chunk.length; i += STRIDE) if (chunk[i] >= low && chunk[i] <= high) pending.push(rowAt(chunk, i));
    if (backward && pending.length > before + 1) reverseTail(pending, before);
    // Chunks of one writer follow each other; another writer's may overlap them: then re-sort.
    if (before > 0 && pending.length > before && (backward ? pending[before - 1].id < pending[before].id : pending[before - 1].id > pending[before].id)) {
      pending.sort(backward ? (a, b) => byId(b, a) : byId);
    }
  };
  const start = scanStart(low);
  if (!backward) {
    for (const { key, value } of chunks.getRange({ start: [owner, start], end: [owner, high], inclusiveEnd: true })) {
      // Unread chunks hold ids ≥ their keys ≥ this key: what is below it is final.
      while (pending.length > 0 && pending[0].id < key[1]) yield pending.shift()!;
      take(value);
    }
  } else {
    for (const { key, value } of chunks.getRange({ start: [owner, high], end: [owner, start], reverse: true, inclusiveEnd: true })) {
      // Unread chunks have keys ≤ this one, so ids ≤ its key + CHUNK_SPAN_MS: what is above that is final.
      const limit = lastIdOf(key[1]);
      while (pending.length > 0 && pending[0].id > limit) yield pending.shift()!;
      take(value);
    }
  }
  yield* pending;
}

function reverseTail(rows: IndexRow[], from: number): void {
  for (let i = from, j = rows.length - 1; i < j; i++, j--) [rows[i], rows[j]] = [rows[j], rows[i]];
}

/** The chunk holding the owner's entry `id` (its key, triples and the entry's place), and the entry; undefined when none does. */
export function chunkHolding(chunks: Database<StoredChunk, ChunkKey>, owner: string, id: string): { key: ChunkKey; chunk: StoredChunk; index: number; row: IndexRow } | undefined {
  for (const { key, value } of chunks.getRange({ start: [owner, id], end: [owner, scanStart(id)], reverse: true, inclusiveEnd: true })) {
    for (let i = 0; i < value.length; i += STRIDE) if (value[i] === id) return { key, chunk: value, index: i, row: rowAt(value, i) };
  }
  return undefined;
}

/** The chunk without the triple at `index`; undefined when it was the last one. */
export function withoutTriple(chunk: StoredChunk, index: number): StoredChunk | undefined {
  if (chunk.length <= STRIDE) return undefined;
  return [...chunk.slice(0, index), ...chunk.slice(index + STRIDE)];
}
