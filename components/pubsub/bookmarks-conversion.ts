// XEP-0411 Bookmarks Conversion, PEP side: XEP-0048 bookmarks over PEP (node 'storage:bookmarks',
// one item with a whole <storage/>) and XEP-0402 (node 'urn:xmpp:bookmarks:1', one item per
// conference, id = room JID) kept in step. A change of either, by the owner, rewrites the other
// through the store directly (so no conversion loops) and notifies its +notify resources.
import { parse } from 'ltx';
import type { PubsubItem, PubsubNode } from '../../shared/storage/types.js';
import { notifyPublished, notifyRetracted } from './notifications.js';
import { newNodeConfig, type HandlerContext } from './pubsub-context.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';

export const NS_BOOKMARKS_LEGACY = 'storage:bookmarks';
export const NS_BOOKMARKS = 'urn:xmpp:bookmarks:1';

interface Conference {
  jid: string;
  name?: string;
  autojoin: boolean;
  nick?: string;
  password?: string;
}

const truthy = (v: string | undefined) => v === 'true' || v === '1';

function payloadOf(item: PubsubItem | undefined): XmlElement | undefined {
  return item?.payload ? (parse(item.payload) as unknown as XmlElement) : undefined;
}

/** The node, created private (XEP-0223 / XEP-0402 settings) if missing. */
async function privateNode(ctx: HandlerContext, service: string, id: string, maxItems: number): Promise<PubsubNode> {
  const existing = await ctx.store.getNode(service, id);
  if (existing) return existing;
  const config = { ...newNodeConfig(ctx), accessModel: 'whitelist' as const, persistItems: true, maxItems, sendLastPublishedItem: 'never' as const };
  await ctx.store.createNode({ service, node: id, config, creator: service, createdAt: ctx.now() });
  return (await ctx.store.getNode(service, id))!;
}

function modernConference(c: Conference): XmlElement {
  return xml('conference', { xmlns: NS_BOOKMARKS, name: c.name, autojoin: c.autojoin ? 'true' : 'false' }, c.nick ? xml('nick', {}, c.nick) : null, c.password ? xml('password', {}, c.password) : null);
}

async function legacyToModern(ctx: HandlerContext, service: string): Promise<void> {
  const legacy = await ctx.store.getItems(service, NS_BOOKMARKS_LEGACY, { max: 1 });
  const storage = payloadOf(legacy.items[0]);
  if (!storage || storage.name !== 'storage') return;
  const conferences: Conference[] = storage.getChildren('conference').filter((c) => c.attrs.jid).map((c) => ({
    jid: c.attrs.jid!, name: c.attrs.name, autojoin: truthy(c.attrs.autojoin), nick: c.getChildText('nick') ?? undefined, password: c.getChildText('password') ?? undefined,
  }));
  const node = await privateNode(ctx, service, NS_BOOKMARKS, ctx.limits.maxItems);
  const current = await ctx.store.getItems(service, NS_BOOKMARKS, { max: ctx.limits.maxItems });
  const before = new Map(current.items.map((i) => [i.id, i.payload]));
  for (const c of conferences.slice(0, node.config.maxItems)) {
    const payload = modernConference(c).toString();
    if (before.get(c.jid) === payload) continue;
    const item: PubsubItem = { id: c.jid, payload, publisher: service, publishedAt: ctx.now() };
    await ctx.store.publishItem(service, NS_BOOKMARKS, item, node.config.maxItems);
    await notifyPublished(ctx, service, node, item);
  }
  const gone = [...before.keys()].filter((id) => !conferences.some((c) => c.jid === id));
  for (const id of gone) await ctx.store.retractItem(service, NS_BOOKMARKS, id);
  await notifyRetracted(ctx, service, { ...node, config: { ...node.config, notifyRetract: true } }, gone);
}

async function modernToLegacy(ctx: HandlerContext, service: string): Promise<void> {
  const { items } = await ctx.store.getItems(service, NS_BOOKMARKS, { max: ctx.limits.maxItems });
  const conferences = items.map((i) => ({ id: i.id, el: payloadOf(i) })).filter((c) => c.el?.name === 'conference');
  const storage = xml('storage', { xmlns: NS_BOOKMARKS_LEGACY }, conferences.map(({ id, el }) =>
    xml('conference', { jid: id, name: el!.attrs.name, autojoin: truthy(el!.attrs.autojoin) ? 'true' : 'false' },
      ...childElements(el!).filter((c) => c.name === 'nick' || c.name === 'password').map((c) => xml(c.name, {}, c.getText())))));
  const node = await privateNode(ctx, service, NS_BOOKMARKS_LEGACY, 1);
  const item: PubsubItem = { id: 'current', payload: storage.toString(), publisher: service, publishedAt: ctx.now() };
  await ctx.store.publishItem(service, NS_BOOKMARKS_LEGACY, item, node.config.maxItems);
  await notifyPublished(ctx, service, node, item);
}

/** Called after the items of a PEP node changed (publish, retract): converts bookmarks both ways. */
export async function convertBookmarks(ctx: HandlerContext, service: string, node: string): Promise<void> {
  if (node === NS_BOOKMARKS_LEGACY) await legacyToModern(ctx, service);
  else if (node === NS_BOOKMARKS) await modernToLegacy(ctx, service);
}
