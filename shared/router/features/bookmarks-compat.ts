// XEP-0402 §5.3 compatibility with XEP-0049 private XML (`urn:xmpp:bookmarks:1#compat`) and
// XEP-0411 v1.1.0 (private XML ↔ XEP-0048 over PEP), the router's side (docs/pep.md §8). The PEP
// side — 'storage:bookmarks' ↔ 'urn:xmpp:bookmarks:1', `#compat-pep` — is the PubSub component's
// (components/pubsub/bookmarks-conversion.ts). Together:
// - a client stores <storage xmlns='storage:bookmarks'/> in private XML: the router publishes it,
//   as the owner, to the PEP node 'storage:bookmarks' (item 'current', whitelist), which notifies
//   that node's subscribers (XEP-0411 §3) and makes the component rewrite the XEP-0402 items;
// - the owner publishes to 'storage:bookmarks' on PEP: that <storage/> is written to private XML;
// - the owner publishes or retracts on 'urn:xmpp:bookmarks:1': the router reads the node's items
//   and writes them, as one <storage/>, to private XML.
// Private XML is written straight to storage and the router's own PEP publishes are not client
// IQs it watches, so no change comes back around. Reads of private XML wait for conversions in
// flight, and with nothing stored yet they answer from the XEP-0402 items.
import { Element } from 'ltx';
import type { Router } from '../router.js';
import { PerUserQueue } from './per-user-queue.js';
import { MAX_PRIVATE_BYTES } from './private-storage.js';
import { itemsRequest, publishRequest } from '../pep-requests.js';

export const BOOKMARKS_COMPAT = 'urn:xmpp:bookmarks:1#compat';
export const BOOKMARKS_COMPAT_PEP = 'urn:xmpp:bookmarks:1#compat-pep';
export const NS_BOOKMARKS_LEGACY = 'storage:bookmarks';
export const NS_BOOKMARKS = 'urn:xmpp:bookmarks:1';
const PRIVATE_KEY = `private:${NS_BOOKMARKS_LEGACY}`;
/** XEP-0048 over PEP (XEP-0223 §3): private, persistent. */
const LEGACY_NODE_OPTIONS = { 'pubsub#persist_items': 'true', 'pubsub#access_model': 'whitelist' };

/** XEP-0402 §5.3.1: the items of 'urn:xmpp:bookmarks:1' as one XEP-0048 <storage/> (jid = item id). */
export function legacyStorageOf(items: Element[]): Element {
  const storage = new Element('storage', { xmlns: NS_BOOKMARKS_LEGACY });
  for (const item of items) {
    const conference = item.getChild('conference', NS_BOOKMARKS);
    if (!item.attrs.id || !conference) continue;
    const autojoin = conference.attrs.autojoin === 'true' || conference.attrs.autojoin === '1';
    const attrs: Record<string, string> = { jid: item.attrs.id, autojoin: autojoin ? 'true' : 'false' };
    if (conference.attrs.name) attrs.name = conference.attrs.name;
    const legacy = storage.c('conference', attrs);
    for (const name of ['nick', 'password']) {
      const text = conference.getChildText(name);
      if (text) legacy.c(name).t(text);
    }
  }
  return storage;
}

/** What features/private-storage.ts calls (PrivateStorageHooks). */
export interface BookmarksCompat {
  stored(owner: string, element: Element): Promise<void>;
  settled(owner: string): Promise<void>;
  fallback(owner: string, ns: string): Promise<Element | undefined>;
}

export function installBookmarksCompat(router: Router): BookmarksCompat {
  const store = router.options.stores.accountData;
  const queue = new PerUserQueue(router.log, 'bookmarks conversion');

  const writePrivate = async (owner: string, storage: Element): Promise<void> => {
    const xml = storage.toString();
    if (Buffer.byteLength(xml) > MAX_PRIVATE_BYTES) {
      router.log.warn({ user: owner }, 'XEP-0411: bookmarks too large for private XML; not copied');
      return;
    }
    await store.put(owner, PRIVATE_KEY, xml);
  };

  const modernItems = async (owner: string): Promise<Element[]> => {
    const answer = await router.pep.requests.send(owner, 'get', itemsRequest(NS_BOOKMARKS));
    return answer.getChild('pubsub')?.getChild('items')?.getChildren('item') ?? [];
  };

  router.pep.ownerChanges.push((owner, request) => {
    const pubsub = request.getChild('pubsub', 'http://jabber.org/protocol/pubsub');
    const op = pubsub?.getChild('publish') ?? pubsub?.getChild('retract');
    if (op?.attrs.node === NS_BOOKMARKS_LEGACY && op.name === 'publish') {
      const storage = op.getChild('item')?.getChild('storage', NS_BOOKMARKS_LEGACY);
      if (storage) void queue.run(owner, () => writePrivate(owner, storage));
    } else if (op?.attrs.node === NS_BOOKMARKS) {
      void queue.run(owner, async () => writePrivate(owner, legacyStorageOf(await modernItems(owner))));
    }
  });

  return {
    async stored(owner, element) {
      if (element.name !== 'storage' || element.attrs.xmlns !== NS_BOOKMARKS_LEGACY || !router.pep.available) return;
      await queue.run(owner, async () => {
        await router.pep.requests.send(owner, 'set', publishRequest(NS_BOOKMARKS_LEGACY, 'current', element, LEGACY_NODE_OPTIONS));
      });
    },
    settled: (owner) => queue.settled(owner),
    async fallback(owner, ns) {
      if (ns !== NS_BOOKMARKS_LEGACY || !router.pep.available) return undefined;
      const items = await modernItems(owner).catch(() => []);
      return items.length > 0 ? legacyStorageOf(items) : undefined;
    },
  };
}
