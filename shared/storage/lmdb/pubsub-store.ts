// PubSub nodes and items (XEP-0060) in LMDB: ONE sub-database ('pubsub') whose keys start with a
// record kind, then service and node, so each kind of one node is one contiguous key range:
//   ['n', service, node]               → PubsubNode
//   ['a', service, node, jid]          → PubsubAffiliation
//   ['s', service, node, jid, subid]   → PubsubSubscription
//   ['i', service, node, itemId]       → { seq, item }      (point lookup by id)
//   ['o', service, node, seq]          → itemId             (publish order, for max_items and RSM)
//   ['j', service, bareJid, node]      → true               (index: nodes where a JID is affiliated or subscribed)
// The 'j' index is written with every affiliation and subscription and cleaned lazily: listNodesOf
// checks each entry and drops the stale ones (deleting a node does not scan the index).
// Nothing is held in memory: a node's items and subscribers are read as ranges, page by page.
import type { Database, RootDatabase } from 'lmdb';
import { openLmdbEnv } from './lmdb-env.js';
import { parseJid } from '../../jid.js';
import type { PubsubAffiliation, PubsubItem, PubsubItemPage, PubsubNode, PubsubStore, PubsubSubscription } from '../types.js';

export const LMDB_PUBSUB_DATABASE = 'pubsub';

type Key = Array<string | number>;
interface StoredItem {
  seq: number;
  item: PubsubItem;
}

const HIGH = '\uffff';
const LAST_SEQ = Number.MAX_SAFE_INTEGER;

function prefixRange(kind: string, service: string, node: string): { start: Key; end: Key } {
  return { start: [kind, service, node, ''], end: [kind, service, node, HIGH] };
}

function seqRange(service: string, node: string): { start: Key; end: Key } {
  return { start: ['o', service, node, 0], end: ['o', service, node, LAST_SEQ] };
}

/** A pubsub store on a sub-database of an open LMDB environment (what open-lmdb.ts would call). */
export function createLmdbPubsubStore(env: RootDatabase): PubsubStore {
  const db = env.openDB<any, Key>(LMDB_PUBSUB_DATABASE, {}) as Database<any, Key>;

  const lastSeq = (service: string, node: string): number => {
    const { start, end } = seqRange(service, node);
    for (const key of db.getKeys({ start: end, end: start, reverse: true, limit: 1 })) return key[3] as number;
    return 0;
  };

  /** Removes every key of a range (collected first: no removal under an open cursor). */
  const removeRange = (range: { start: Key; end: Key }) => {
    const keys = [...db.getKeys(range)];
    for (const key of keys) db.remove(key);
  };

  const seqOf = (service: string, node: string, id: string): number | undefined =>
    (db.get(['i', service, node, id]) as StoredItem | undefined)?.seq;

  const itemAt = (service: string, node: string, id: string): PubsubItem | undefined =>
    (db.get(['i', service, node, id]) as StoredItem | undefined)?.item;

  const bareOf = (jid: string) => parseJid(jid)?.bare ?? jid;
  const index = (service: string, jid: string, node: string) => db.put(['j', service, bareOf(jid), node], true);

  /** Whether `bare` still holds an affiliation or a subscription (bare or full) at the node. */
  const stillRelated = (service: string, node: string, bare: string): boolean => {
    if (db.get(['n', service, node]) === undefined) return false;
    if (db.get(['a', service, node, bare]) !== undefined) return true;
    const range = { start: ['s', service, node, bare], end: ['s', service, node, bare + '/' + HIGH] };
    for (const key of db.getKeys(range)) if (bareOf(key[3] as string) === bare) return true;
    return false;
  };

  /** Drops the oldest items beyond `maxItems`, inside the caller's transaction. */
  const trim = (service: string, node: string, maxItems: number): string[] => {
    const dropped: string[] = [];
    const excess = db.getKeysCount(seqRange(service, node)) - Math.max(maxItems, 1);
    if (excess > 0) {
      const oldest = [...db.getRange({ ...seqRange(service, node), limit: excess })];
      for (const { key, value } of oldest) {
        db.remove(key);
        db.remove(['i', service, node, value as string]);
        dropped.push(value as string);
      }
    }
    return dropped;
  };

  return {
    createNode: (record) =>
      db.transaction(() => {
        if (db.get(['n', record.service, record.node]) !== undefined) return false;
        db.put(['n', record.service, record.node], record);
        db.put(['a', record.service, record.node, record.creator], 'owner');
        index(record.service, record.creator, record.node);
        return true;
      }),

    getNode: async (service, node) => db.get(['n', service, node]) as PubsubNode | undefined,

    listNodes: async (service, opts = {}) => {
      const start: Key = opts.after !== undefined ? ['n', service, opts.after + '\u0000'] : ['n', service, ''];
      return db.getKeys({ start, end: ['n', service, HIGH], limit: opts.limit }).map((key) => key[2] as string).asArray;
    },

    setNodeConfig: (service, node, config) =>
      db.transaction(() => {
        const current = db.get(['n', service, node]) as PubsubNode | undefined;
        if (!current) return false;
        db.put(['n', service, node], { ...current, config });
        return true;
      }),

    deleteNode: (service, node) =>
      db.transaction(() => {
        if (db.get(['n', service, node]) === undefined) return false;
        for (const kind of ['a', 's', 'i']) removeRange(prefixRange(kind, service, node));
        removeRange(seqRange(service, node));
        db.remove(['n', service, node]);
        return true;
      }),

    getAffiliation: async (service, node, jid) => (db.get(['a', service, node, jid]) as PubsubAffiliation | undefined) ?? 'none',

    setAffiliation: async (service, node, jid, affiliation) => {
      await db.transaction(() => {
        if (affiliation === 'none') return db.remove(['a', service, node, jid]);
        db.put(['a', service, node, jid], affiliation);
        index(service, jid, node);
      });
    },

    listAffiliations: async (service, node) =>
      db.getRange(prefixRange('a', service, node)).map(({ key, value }) => ({ jid: key[3] as string, affiliation: value as PubsubAffiliation })).asArray,

    putSubscription: async (service, node, subscription) => {
      await db.transaction(() => {
        db.put(['s', service, node, subscription.jid, subscription.subid], subscription);
        index(service, subscription.jid, node);
      });
    },

    removeSubscription: async (service, node, jid, subid) => {
      const key = ['s', service, node, jid, subid];
      if (db.get(key) === undefined) return false;
      await db.remove(key);
      return true;
    },

    listSubscriptions: async (service, node, opts = {}) => {
      const range =
        opts.jid !== undefined
          ? { start: ['s', service, node, opts.jid, ''], end: ['s', service, node, opts.jid, HIGH] }
          : {
              start: opts.after !== undefined ? ['s', service, node, opts.after, HIGH] : prefixRange('s', service, node).start,
              end: prefixRange('s', service, node).end,
            };
      return db.getRange({ ...range, limit: opts.limit }).map(({ value }) => value as PubsubSubscription).asArray;
    },

    publishItem: (service, node, item, maxItems) =>
      db.transaction(() => {
        const previous = seqOf(service, node, item.id);
        if (previous !== undefined) db.remove(['o', service, node, previous]);
        const seq = lastSeq(service, node) + 1;
        db.put(['i', service, node, item.id], { seq, item } satisfies StoredItem);
        db.put(['o', service, node, seq], item.id);
        return { replaced: previous !== undefined, dropped: trim(service, node, maxItems) };
      }),

    getItem: async (service, node, id) => itemAt(service, node, id),

    getItems: async (service, node, opts = {}) => {
      const { start, end } = seqRange(service, node);
      const count = db.getKeysCount({ start, end });
      let ids: string[];
      if (opts.before !== undefined) {
        // The page just newer than `before` (or the oldest page when before is empty), newest first.
        const beforeSeq = opts.before === '' ? 0 : seqOf(service, node, opts.before);
        if (beforeSeq === undefined) return { items: [], count, index: 0 };
        const from: Key = ['o', service, node, beforeSeq + 1];
        ids = [...db.getRange({ start: from, end, limit: opts.max })].map(({ value }) => value as string).reverse();
      } else {
        const afterSeq = opts.after !== undefined ? seqOf(service, node, opts.after) : LAST_SEQ + 1;
        if (afterSeq === undefined) return { items: [], count, index: 0 };
        const from: Key = ['o', service, node, afterSeq - 1];
        ids = [...db.getRange({ start: from, end: start, reverse: true, limit: opts.max })].map(({ value }) => value as string);
      }
      const items = ids.map((id) => itemAt(service, node, id)).filter((item): item is PubsubItem => item !== undefined);
      const firstSeq = items.length > 0 ? seqOf(service, node, items[0]!.id) : undefined;
      const index = firstSeq === undefined ? 0 : db.getKeysCount({ start: ['o', service, node, firstSeq + 1], end });
      return { items, count, index } satisfies PubsubItemPage;
    },

    retractItem: (service, node, id) =>
      db.transaction(() => {
        const seq = seqOf(service, node, id);
        if (seq === undefined) return false;
        db.remove(['o', service, node, seq]);
        db.remove(['i', service, node, id]);
        return true;
      }),

    purgeItems: async (service, node) => {
      await db.transaction(() => {
        removeRange(prefixRange('i', service, node));
        removeRange(seqRange(service, node));
      });
    },

    trimItems: (service, node, maxItems) => db.transaction(() => trim(service, node, maxItems)),

    listNodesOf: async (service, bareJid, opts = {}) => {
      const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
      const nodes: string[] = [];
      const stale: Key[] = [];
      for (const key of db.getKeys({ start: ['j', service, bareJid, ''], end: ['j', service, bareJid, HIGH] })) {
        if (nodes.length >= limit) break;
        const node = key[3] as string;
        if (stillRelated(service, node, bareJid)) nodes.push(node);
        else stale.push(key);
      }
      if (stale.length > 0) {
        await db.transaction(() => {
          for (const key of stale) if (!stillRelated(service, key[3] as string, bareJid)) db.remove(key);
        });
      }
      return nodes;
    },
  };
}

/** Opens an LMDB environment of its own in `dir` (the pubsub component, standalone or bundled; tests). */
export function openLmdbPubsubStore(dir: string): { store: PubsubStore; close(): Promise<void> } {
  const env = openLmdbEnv(dir, { randomAccess: true }); // items are read by node, anywhere in the file
  let closing: Promise<void> | undefined;
  return { store: createLmdbPubsubStore(env), close: () => (closing ??= env.close()) };
}
