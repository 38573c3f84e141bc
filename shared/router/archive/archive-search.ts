// XEP-0431 full-text search of a user's archive. Two implementations of one contract
// (archive-search-contract.ts): the embedded one reads the archive in the query's paging order,
// page by page, keeping the messages whose body holds every word — bounded by `scanLimit` messages
// per query — and the Elasticsearch one (elasticsearch-archive-search.ts) asks an index fed by the
// archive writer for the matching ids, then reads those messages from the archive (the archive
// stays the record: a message the index still names but the archive no longer has is not shown).
import type { ArchiveEntry, ArchiveFilter, ArchivePage, ArchivePageRequest, ArchiveStore } from '../../storage/types.js';
import { matchesWords } from '../../storage/archive-text.js';
import { pagesBackward, toPage } from '../../storage/archive-filter.js';
import { StanzaError } from '../server-iq.js';

export interface ArchiveSearch {
  /** One page of the owner's messages matching `filter` (with `words`), like ArchiveStore.query. */
  search(owner: string, filter: ArchiveFilter, page: ArchivePageRequest): Promise<ArchivePage>;
  /**
   * Entries just written to the archive (the writer calls it after each batch). Absent when there
   * is no index to feed: the writer then lets go of a batch as soon as the store has it.
   */
  indexed?(entries: ReadonlyArray<ArchiveEntry & { owner: string }>): void;
  /** The owner's archive was removed (account deletion). */
  cleared(owner: string): Promise<void>;
  /** Entries before `time` (ms) were purged by retention. */
  purgedBefore(time: number): Promise<void>;
  /** Makes what was indexed searchable (tests, a drain before a query). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Messages one embedded search reads at most, by default. */
export const DEFAULT_SEARCH_SCAN_LIMIT = 100_000;
/** Messages read per store call while scanning. */
const SCAN_PAGE = 250;

/**
 * The embedded search: scans the archive in paging order. When `scanLimit` messages were read, the
 * page ends there (complete=false: the client pages on from its last match); with no match at all
 * by then the query is refused (policy-violation), so a search never runs unbounded.
 */
export function scanningArchiveSearch(store: ArchiveStore, scanLimit = DEFAULT_SEARCH_SCAN_LIMIT): ArchiveSearch {
  return {
    async search(owner, filter, page) {
      const words = filter.words ?? [];
      const { words: _, ...plain } = filter;
      const backward = pagesBackward(page);
      const matches: ArchiveEntry[] = [];
      let cursor: ArchivePageRequest = { ...page, max: SCAN_PAGE };
      let scanned = 0;
      for (;;) {
        const chunk = await store.query(owner, plain, cursor);
        // A chunk comes oldest first; walk it in paging order.
        const ordered = backward ? [...chunk.entries].reverse() : chunk.entries;
        for (const entry of ordered) {
          scanned++;
          if (matchesWords(entry.xml, words)) {
            matches.push(entry);
            if (matches.length > page.max) return toPage(matches, page);
          }
        }
        if (chunk.complete || ordered.length === 0) return toPage(matches, page);
        if (scanned >= scanLimit) {
          if (matches.length === 0) {
            throw new StanzaError('policy-violation', `no match in the ${scanned} messages searched; narrow the search with start, end or with`);
          }
          return { ...toPage(matches, page), complete: false };
        }
        const last = ordered[ordered.length - 1]!.id;
        cursor = backward ? { max: SCAN_PAGE, before: last } : { max: SCAN_PAGE, after: last };
      }
    },
    async cleared() {},
    async purgedBefore() {},
    async flush() {},
    async close() {},
  };
}
