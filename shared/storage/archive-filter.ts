// What every ArchiveStore shares: the `with` matching rule of XEP-0313 §4.1.1, the id bounds a
// filter and a page request give, and paging over a small in-memory list (the `ids` filter).
import { archiveIdBound, archiveIdFromBigInt, archiveIdToBigInt } from './archive-id.js';
import type { ArchiveEntry, ArchiveFilter, ArchivePage, ArchivePageRequest } from './types.js';

/** The bare part of a JID string (no normalisation: stored JIDs are already normalised). */
export function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}

/** A bare `with` matches any resource of it; a full one only itself. */
export function matchesWith(entryWith: string, filterWith: string | undefined): boolean {
  if (filterWith === undefined) return true;
  return filterWith.includes('/') ? entryWith === filterWith : bareOf(entryWith) === filterWith;
}

const ZERO = '0000000000000000';
const TOP = '7fffffffffffffff';
const next = (id: string) => archiveIdFromBigInt(archiveIdToBigInt(id) + 1n);
const previous = (id: string) => (id === ZERO ? undefined : archiveIdFromBigInt(archiveIdToBigInt(id) - 1n));

/**
 * The inclusive id range [low, high] a query may return, from the filter's start/end/after-id/
 * before-id and the page's after/before; undefined when it is empty.
 */
export function idRange(filter: ArchiveFilter, page: ArchivePageRequest): { low: string; high: string } | undefined {
  let low = ZERO;
  let high: string | undefined = TOP;
  const raise = (candidate: string) => {
    if (candidate > low) low = candidate;
  };
  const lower = (candidate: string | undefined) => {
    if (candidate === undefined || (high !== undefined && candidate < high)) high = candidate;
  };
  if (filter.start !== undefined) raise(archiveIdBound(filter.start, 'first'));
  if (filter.afterId !== undefined) raise(next(filter.afterId));
  if (page.after) raise(next(page.after));
  if (filter.end !== undefined) lower(archiveIdBound(filter.end, 'last'));
  if (filter.beforeId !== undefined) lower(previous(filter.beforeId));
  if (page.before) lower(previous(page.before));
  if (high === undefined || low > high) return undefined;
  return { low, high };
}

/** Whether the page goes backward from the end (RSM <before/>). */
export const pagesBackward = (page: ArchivePageRequest): boolean => page.before !== undefined;

/**
 * Turns up to max+1 matches read in paging order into a page: oldest first, complete when no
 * (max+1)th match was found.
 */
export function toPage(matches: ArchiveEntry[], page: ArchivePageRequest): ArchivePage {
  const complete = matches.length <= page.max;
  const entries = matches.slice(0, page.max);
  if (pagesBackward(page)) entries.reverse();
  return { entries, complete };
}

/** Paging over entries already in memory (the `ids` filter): same result as a range read. */
export function pageInMemory(entries: ArchiveEntry[], filter: ArchiveFilter, page: ArchivePageRequest): ArchivePage {
  const range = idRange(filter, page);
  if (!range) return { entries: [], complete: true };
  const inRange = entries
    .filter((e) => e.id >= range.low && e.id <= range.high && matchesWith(e.with, filter.with))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (pagesBackward(page)) inRange.reverse();
  return toPage(inRange.slice(0, page.max + 1), page);
}
