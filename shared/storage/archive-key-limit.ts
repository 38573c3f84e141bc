// Every archive store keys an entry by its owner and the bare JID of its peer (LMDB: the with-days
// index [owner, bare peer, day]). LMDB refuses keys of more than 1,978 bytes, and one refused put
// fails the whole write transaction: a message between two users whose JIDs use RFC 7622's 1,023
// bytes per part would have cost everybody's messages batched with it. Such an entry is not
// archived (archive-writer.ts counts it, reason "too_long"); the LMDB store leaves it out too, so
// no caller can make a batch fail that way.
import { bareOf } from './archive-filter.js';

/** Owner plus bare peer, UTF-8 bytes, at most: LMDB's 1,978 less the rest of the longest key (id or day, separators). */
export const ARCHIVE_KEY_BYTES = 1900;

/** True when the entry of `owner` with `peer` fits every archive key. */
export function archiveKeyFits(owner: string, peer: string): boolean {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: the usual JIDs are decided without encoding.
  if ((owner.length + peer.length) * 3 <= ARCHIVE_KEY_BYTES) return true;
  return Buffer.byteLength(owner) + Buffer.byteLength(bareOf(peer)) <= ARCHIVE_KEY_BYTES;
}
