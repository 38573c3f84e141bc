// The message archive (XEP-0313) in LMDB: three sub-databases written in one transaction.
// - archive        [owner, id] → { w: with, x: xml }: a user's messages in time order, so the
//                  latest page is one short reverse range read, start/end are key bounds.
// - archive-with   [owner, bare with, id] → 1: `with` queries are range reads too.
// - archive-time   [id, owner] → 1: all archives in time order, so retention removes the oldest
//                  entries with a bounded range read instead of visiting every user.
// Preferences are one record per user in archive-prefs.
import type { Database, RootDatabase } from 'lmdb';
import { bareOf, idRange, matchesWith, pageInMemory, pagesBackward, toPage } from '../archive-filter.js';
import { archiveIdBound } from '../archive-id.js';
import type { ArchiveEntry, ArchivePrefs, ArchiveStore } from '../types.js';

export type ArchiveKey = [owner: string, id: string];
export interface StoredArchiveEntry {
  w: string;
  x: string;
}

export const LMDB_ARCHIVE_DATABASES = {
  entries: 'archive',
  byWith: 'archive-with',
  byTime: 'archive-time',
  prefs: 'archive-prefs',
} as const;

/** The ids filter is answered with point reads: at most this many ids per query. */
export const MAX_IDS_PER_QUERY = 250;

export function createLmdbArchiveStore(env: RootDatabase): ArchiveStore {
  const names = LMDB_ARCHIVE_DATABASES;
  const entries: Database<StoredArchiveEntry, ArchiveKey> = env.openDB(names.entries, {});
  const byWith: Database<1, [string, string, string]> = env.openDB(names.byWith, {});
  const byTime: Database<1, [string, string]> = env.openDB(names.byTime, {});
  const prefs: Database<ArchivePrefs, string> = env.openDB(names.prefs, {});

  const entryAt = (owner: string, id: string): ArchiveEntry | undefined => {
    const value = entries.get([owner, id]);
    return value && { id, with: value.w, xml: value.x };
  };

  const removeEntry = (owner: string, id: string) => {
    const value = entries.get([owner, id]);
    if (value) void byWith.remove([owner, bareOf(value.w), id]);
    void entries.remove([owner, id]);
    void byTime.remove([id, owner]);
  };

  return {
    append: async (batch) => {
      if (batch.length === 0) return;
      await env.transaction(() => {
        for (const { owner, id, with: w, xml } of batch) {
          void entries.put([owner, id], { w, x: xml });
          void byWith.put([owner, bareOf(w), id], 1);
          void byTime.put([id, owner], 1);
        }
      });
    },

    query: async (owner, filter, page) => {
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
        const bare = bareOf(filter.with);
        const [low, high]: Array<[string, string, string]> = [[owner, bare, range.low], [owner, bare, range.high]];
        const keys = byWith.getKeys(backward ? { start: high, end: low, reverse: true, inclusiveEnd: true } : { start: low, end: high, inclusiveEnd: true });
        for (const key of keys) {
          const entry = entryAt(owner, key[2]);
          if (entry && matchesWith(entry.with, filter.with)) matches.push(entry);
          if (matches.length >= wanted) break;
        }
      } else {
        const [low, high]: ArchiveKey[] = [[owner, range.low], [owner, range.high]];
        const rows = entries.getRange(
          backward ? { start: high, end: low, reverse: true, inclusiveEnd: true, limit: wanted } : { start: low, end: high, inclusiveEnd: true, limit: wanted },
        );
        for (const { key, value } of rows) matches.push({ id: key[1], with: value.w, xml: value.x });
      }
      return toPage(matches, page);
    },

    missing: async (owner, ids) => ids.filter((id) => entries.doesExist([owner, id]) !== true),

    bounds: async (owner) => {
      const [low, high]: ArchiveKey[] = [[owner, ''], [owner, '\uffff']];
      let first: string | undefined;
      let last: string | undefined;
      for (const key of entries.getKeys({ start: low, end: high, limit: 1 })) first = key[1];
      for (const key of entries.getKeys({ start: high, end: low, reverse: true, limit: 1 })) last = key[1];
      return first !== undefined && last !== undefined ? { first, last } : undefined;
    },

    removeBefore: async (time, limit) => {
      const keys = [...byTime.getKeys({ start: [''], end: [archiveIdBound(time, 'first')], limit })] as Array<[string, string]>;
      if (keys.length === 0) return 0;
      await env.transaction(() => {
        for (const [id, owner] of keys) removeEntry(owner, id);
      });
      return keys.length;
    },

    getPrefs: async (owner) => prefs.get(owner),
    setPrefs: async (owner, value) => {
      await prefs.put(owner, { default: value.default, always: [...value.always], never: [...value.never] });
    },

    clear: async (owner) => {
      await env.transaction(() => {
        const [low, high]: ArchiveKey[] = [[owner, ''], [owner, '\uffff']];
        const ids = [...entries.getKeys({ start: low, end: high })].map((key) => key[1]);
        for (const id of ids) removeEntry(owner, id);
        void prefs.remove(owner);
      });
    },
  };
}
