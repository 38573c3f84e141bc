// Retrieve items (XEP-0060 §6.5): all (newest first), some by id (§6.5.8), the N most recent
// (max_items, §6.5.7) and pages with Result Set Management (XEP-0059, §6.5.4 of XEP-0060).
// RSM ids are item ids; a page never exceeds the service's bound, whatever the client asks.
import type { PubsubItemPage } from '../../shared/storage/types.js';
import { checkAccess } from './access-models.js';
import { NS_PUBSUB, NS_RSM } from './namespaces.js';
import { itemElement } from './notifications.js';
import { requireNode, type HandlerContext, type PubsubRequest } from './pubsub-context.js';
import { PubsubError, unsupported } from './pubsub-errors.js';
import { xml, type XmlElement } from './xmpp-bindings.js';

/** The most items one answer carries (without RSM the client gets the newest this many). */
export const MAX_ITEMS_PER_ANSWER = 100;

interface RsmRequest {
  max: number;
  after?: string;
  before?: string;
}

function readRsm(set: XmlElement): RsmRequest {
  const maxText = set.getChildText('max');
  const max = maxText === null ? MAX_ITEMS_PER_ANSWER : Number(maxText);
  if (!Number.isInteger(max) || max < 0) throw new PubsubError('modify', 'bad-request');
  const before = set.getChild('before');
  return { max: Math.min(max, MAX_ITEMS_PER_ANSWER), after: set.getChildText('after') ?? undefined, before: before ? before.getText() : undefined };
}

/** XEP-0059 §2: <set><first index=''/><last/><count/></set>. */
function rsmAnswer(page: PubsubItemPage): XmlElement {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  return xml(
    'set',
    { xmlns: NS_RSM },
    first ? xml('first', { index: String(page.index) }, first.id) : null,
    last ? xml('last', {}, last.id) : null,
    xml('count', {}, String(page.count)),
  );
}

/** get <pubsub><items node='…' max_items='…'><item id='…'/></items><set xmlns=rsm/></pubsub> */
export async function handleItems(ctx: HandlerContext, req: PubsubRequest, items: XmlElement, pubsub: XmlElement): Promise<XmlElement> {
  const node = await requireNode(ctx, req, items); // §6.5.9 item-not-found
  await checkAccess(ctx, req, node, 'retrieve'); // §6.5.9
  if (!node.config.persistItems) throw unsupported('persistent-items'); // §6.5.9
  const answer = (children: XmlElement[], set?: XmlElement) =>
    xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: node.node }, children), set ?? null);

  const ids = items.getChildren('item').map((i) => i.attrs.id).filter((id): id is string => !!id);
  if (ids.length > 0) {
    // §6.5.8: the items asked for; unknown ids are left out.
    const found = await Promise.all(ids.slice(0, MAX_ITEMS_PER_ANSWER).map((id) => ctx.store.getItem(req.service, node.node, id)));
    return answer(found.filter((i) => i !== undefined).map((i) => itemElement(i, true)));
  }

  const set = pubsub.getChild('set', NS_RSM);
  if (set) {
    const rsm = readRsm(set);
    const page =
      rsm.max === 0
        ? { ...(await ctx.store.getItems(req.service, node.node, { max: 0 })), items: [] } // XEP-0059 §2.6: count only
        : await ctx.store.getItems(req.service, node.node, rsm);
    return answer(page.items.map((i) => itemElement(i, true)), rsmAnswer(page));
  }

  let max = MAX_ITEMS_PER_ANSWER;
  if (items.attrs.max_items !== undefined) {
    const n = Number(items.attrs.max_items);
    if (!Number.isInteger(n) || n < 1) throw new PubsubError('modify', 'bad-request');
    max = Math.min(n, MAX_ITEMS_PER_ANSWER);
  }
  const page = await ctx.store.getItems(req.service, node.node, { max });
  // More items than one answer carries: tell the client how many there are, so it can page (§6.5.4).
  const truncated = page.count > page.items.length && items.attrs.max_items === undefined;
  return answer(page.items.map((i) => itemElement(i, true)), truncated ? rsmAnswer(page) : undefined);
}
