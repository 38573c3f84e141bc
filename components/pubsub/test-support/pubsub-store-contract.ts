// The PubsubStore contract: every implementation (LMDB now, ScyllaDB later) runs these tests.
// Meant to join shared/storage/contract.ts once the store is wired into Stores.
import type { PubsubItem, PubsubNodeConfig, PubsubStore } from '../../../shared/storage/types.js';
import { defaultNodeConfig, DEFAULT_NODE_LIMITS } from '../node-config-form.js';

const S = 'pubsub.localhost';
const config: PubsubNodeConfig = defaultNodeConfig(DEFAULT_NODE_LIMITS);
const item = (id: string, payload = `<p>${id}</p>`): PubsubItem => ({ id, payload, publisher: 'a@localhost', publishedAt: 1 });

export function pubsubStoreContract(name: string, open: () => Promise<{ store: PubsubStore; close(): Promise<void> }>): void {
  describe(`PubsubStore contract: ${name}`, () => {
    let store: PubsubStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => close());

    test('createNode makes the creator owner and refuses an existing id', async () => {
      expect(await store.createNode({ service: S, node: 'n', config, creator: 'a@localhost', createdAt: 1 })).toBe(true);
      expect(await store.createNode({ service: S, node: 'n', config, creator: 'b@localhost', createdAt: 2 })).toBe(false);
      expect((await store.getNode(S, 'n'))?.creator).toBe('a@localhost');
      expect(await store.getAffiliation(S, 'n', 'a@localhost')).toBe('owner');
      expect(await store.getAffiliation(S, 'n', 'b@localhost')).toBe('none');
    });

    test('listNodes pages in lexical order, per service', async () => {
      for (const node of ['c', 'a', 'b']) await store.createNode({ service: S, node, config, creator: 'a@localhost', createdAt: 1 });
      await store.createNode({ service: 'other.localhost', node: 'z', config, creator: 'a@localhost', createdAt: 1 });
      expect(await store.listNodes(S)).toEqual(['a', 'b', 'c']);
      expect(await store.listNodes(S, { after: 'a', limit: 1 })).toEqual(['b']);
    });

    test('publishItem keeps at most maxItems, newest first, and replaces by id', async () => {
      await store.createNode({ service: S, node: 'n', config, creator: 'a@localhost', createdAt: 1 });
      expect(await store.publishItem(S, 'n', item('1'), 2)).toEqual({ replaced: false, dropped: [] });
      await store.publishItem(S, 'n', item('2'), 2);
      expect(await store.publishItem(S, 'n', item('3'), 2)).toEqual({ replaced: false, dropped: ['1'] });
      expect(await store.publishItem(S, 'n', item('2', '<p>new</p>'), 2)).toEqual({ replaced: true, dropped: [] });
      const page = await store.getItems(S, 'n');
      expect(page.items.map((i) => [i.id, i.payload])).toEqual([['2', '<p>new</p>'], ['3', '<p>3</p>']]);
      expect(page.count).toBe(2);
    });

    test('getItems pages with after and before (RSM), with the index of the first item', async () => {
      for (const id of ['1', '2', '3', '4', '5']) await store.publishItem(S, 'n', item(id), 10);
      expect(await store.getItems(S, 'n', { max: 2 })).toMatchObject({ index: 0, count: 5, items: [{ id: '5' }, { id: '4' }] });
      expect(await store.getItems(S, 'n', { max: 2, after: '4' })).toMatchObject({ index: 2, items: [{ id: '3' }, { id: '2' }] });
      expect(await store.getItems(S, 'n', { max: 2, before: '3' })).toMatchObject({ index: 0, items: [{ id: '5' }, { id: '4' }] });
      expect(await store.getItems(S, 'n', { max: 2, before: '' })).toMatchObject({ index: 3, items: [{ id: '2' }, { id: '1' }] });
      expect((await store.getItems(S, 'n', { after: 'unknown' })).items).toEqual([]);
    });

    test('retractItem and purgeItems remove items', async () => {
      for (const id of ['1', '2']) await store.publishItem(S, 'n', item(id), 10);
      expect(await store.retractItem(S, 'n', '1')).toBe(true);
      expect(await store.retractItem(S, 'n', '1')).toBe(false);
      expect(await store.getItem(S, 'n', '1')).toBeUndefined();
      await store.purgeItems(S, 'n');
      expect((await store.getItems(S, 'n')).count).toBe(0);
    });

    test('subscriptions are listed per node, per JID, and paged', async () => {
      await store.putSubscription(S, 'n', { jid: 'b@localhost', subid: '1', state: 'subscribed', deliver: true });
      await store.putSubscription(S, 'n', { jid: 'a@localhost/r', subid: '2', state: 'pending', deliver: true });
      await store.putSubscription(S, 'n', { jid: 'a@localhost/r', subid: '3', state: 'subscribed', deliver: false });
      expect((await store.listSubscriptions(S, 'n')).map((s) => s.subid)).toEqual(['2', '3', '1']);
      expect((await store.listSubscriptions(S, 'n', { jid: 'a@localhost/r' })).map((s) => s.subid)).toEqual(['2', '3']);
      expect((await store.listSubscriptions(S, 'n', { after: 'a@localhost/r', limit: 5 })).map((s) => s.subid)).toEqual(['1']);
      expect(await store.removeSubscription(S, 'n', 'a@localhost/r', '2')).toBe(true);
      expect(await store.removeSubscription(S, 'n', 'a@localhost/r', '2')).toBe(false);
    });

    test('deleteNode removes the node with its items, affiliations and subscriptions', async () => {
      await store.createNode({ service: S, node: 'n', config, creator: 'a@localhost', createdAt: 1 });
      await store.createNode({ service: S, node: 'n2', config, creator: 'a@localhost', createdAt: 1 });
      await store.publishItem(S, 'n', item('1'), 10);
      await store.publishItem(S, 'n2', item('1'), 10);
      await store.putSubscription(S, 'n', { jid: 'b@localhost', subid: '1', state: 'subscribed', deliver: true });
      await store.setAffiliation(S, 'n', 'b@localhost', 'publisher');
      expect(await store.deleteNode(S, 'n')).toBe(true);
      expect(await store.deleteNode(S, 'n')).toBe(false);
      expect(await store.getNode(S, 'n')).toBeUndefined();
      expect((await store.getItems(S, 'n')).count).toBe(0);
      expect(await store.listSubscriptions(S, 'n')).toEqual([]);
      expect(await store.listAffiliations(S, 'n')).toEqual([]);
      expect((await store.getItems(S, 'n2')).count).toBe(1); // a node whose id extends another's is untouched
    });

    test('trimItems drops the oldest beyond the bound', async () => {
      for (const id of ['1', '2', '3']) await store.publishItem(S, 'n', item(id), 10);
      expect(await store.trimItems(S, 'n', 1)).toEqual(['1', '2']);
      expect(await store.trimItems(S, 'n', 1)).toEqual([]);
    });

    test('listNodesOf finds nodes by affiliation or (bare or full JID) subscription, and forgets deleted ones', async () => {
      for (const node of ['a', 'b', 'c', 'd']) await store.createNode({ service: S, node, config, creator: 'o@localhost', createdAt: 1 });
      await store.setAffiliation(S, 'a', 'x@localhost', 'publisher');
      await store.putSubscription(S, 'b', { jid: 'x@localhost/r', subid: '1', state: 'subscribed', deliver: true });
      await store.putSubscription(S, 'c', { jid: 'x@localhost', subid: '2', state: 'subscribed', deliver: true });
      await store.putSubscription(S, 'd', { jid: 'x@localhost.org', subid: '3', state: 'subscribed', deliver: true });
      expect(await store.listNodesOf(S, 'x@localhost')).toEqual(['a', 'b', 'c']);
      await store.deleteNode(S, 'b');
      await store.removeSubscription(S, 'c', 'x@localhost', '2');
      expect(await store.listNodesOf(S, 'x@localhost')).toEqual(['a']);
      expect(await store.listNodesOf(S, 'x@localhost', { limit: 0 })).toEqual([]);
    });

    test("setNodeConfig replaces a node's configuration; setAffiliation 'none' removes", async () => {
      expect(await store.setNodeConfig(S, 'n', config)).toBe(false);
      await store.createNode({ service: S, node: 'n', config, creator: 'a@localhost', createdAt: 1 });
      expect(await store.setNodeConfig(S, 'n', { ...config, title: 'T' })).toBe(true);
      expect((await store.getNode(S, 'n'))!.config.title).toBe('T');
      await store.setAffiliation(S, 'n', 'a@localhost', 'none');
      expect(await store.listAffiliations(S, 'n')).toEqual([]);
    });
  });
}
