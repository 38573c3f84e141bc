// End-to-end XEP-0060 with @xmpp/client users against the in-process all-in-one. A pubsub
// component is started here as an external XEP-0114 component on the test server's component
// port, with its own LMDB directory and its own domain (the all-in-one's bundled pubsub.DOMAIN is
// exercised by pubsub-slixmpp.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { startPubsubComponent, type RunningPubsubComponent } from '../../components/pubsub/index.js';
import { openLmdbPubsubStore } from '../../shared/storage/lmdb/pubsub-store.js';
import { createLogger } from '../../shared/log.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_OWNER = 'http://jabber.org/protocol/pubsub#owner';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_RSM = 'http://jabber.org/protocol/rsm';
// Not 'pubsub.localhost': once the all-in-one starts its own pubsub component there, this test's
// instance (on its own store) must not join it as a second instance of the same domain.
const PUBSUB = 'pubsub-e2e.localhost';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
let component: RunningPubsubComponent;
let pubsubDir: string;
let closeStore: () => Promise<void>;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // One at a time: each addUser opens the data directory's LMDB environment again, and concurrent
  // writers from several environments of one process can block the event loop on LMDB's lock.
  for (const user of ['alice', 'bob', 'carol']) await server.addUser(user, `${user}-pw`);
  await server.addComponent(PUBSUB, 'pubsub-secret');
  pubsubDir = await mkdtemp(join(tmpdir(), 'pampero-pubsub-e2e-'));
  const opened = openLmdbPubsubStore(pubsubDir);
  closeStore = opened.close;
  component = await startPubsubComponent({
    service: `xmpp://127.0.0.1:${server.componentPort}`,
    domain: PUBSUB,
    secret: 'pubsub-secret',
    serverDomain: server.domain,
    store: opened.store,
    logger: createLogger('silent'),
  });
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await component?.stop();
  await closeStore?.();
  await server?.stop();
  if (pubsubDir) await rm(pubsubDir, { recursive: true, force: true });
});

async function connect(username: string): Promise<XmppClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'e2e',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>, mechanisms: string[]) => {
      await authenticate({ username, password: `${username}-pw` }, mechanisms[0]!);
    },
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  return xmpp;
}


const request = (xmpp: XmppClient, type: 'get' | 'set', payload: any) => xmpp.iqCaller.request(xml('iq', { type, to: PUBSUB }, payload));
const isEvent = (el: any) => el.is('message') && el.getChild('event', NS_EVENT) !== undefined;
const itemIdsOf = (items: any): string[] => items.getChildren('item').map((i: any) => i.attrs.id);

test('create, subscribe, publish, notify, page with RSM, retract and delete', async () => {
  const [alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')]);

  const info = await request(alice, 'get', xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
  expect(info.getChild('query').getChild('identity').attrs).toMatchObject({ category: 'pubsub', type: 'service' });

  await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('create', { node: 'news' })));
  for (const user of [bob, carol]) {
    const reply = await request(user, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('subscribe', { node: 'news', jid: user.jid!.toString() })));
    expect(reply.getChild('pubsub').getChild('subscription').attrs.subscription).toBe('subscribed');
  }

  const notified = Promise.all([bob, carol].map((user) => nextStanza(user, isEvent)));
  const entry = xml('entry', { xmlns: 'http://www.w3.org/2005/Atom' }, xml('title', {}, 'Hello'));
  const published = await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'news' }, xml('item', { id: 'first' }, entry))));
  expect(published.getChild('pubsub').getChild('publish').getChild('item').attrs.id).toBe('first');
  for (const message of await notified) {
    expect(message.attrs.from).toBe(PUBSUB);
    const item = message.getChild('event', NS_EVENT).getChild('items').getChild('item');
    expect(item.attrs.id).toBe('first');
    expect(item.getChild('entry').getChildText('title')).toBe('Hello');
  }

  for (const id of ['second', 'third', 'fourth']) {
    const seen = nextStanza(bob, (el) => isEvent(el) && el.toString().includes(`id="${id}"`));
    await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'news' }, xml('item', { id }, xml('n', { xmlns: 'urn:example' }, id)))));
    await seen;
  }

  const page1 = await request(bob, 'get', xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: 'news' }), xml('set', { xmlns: NS_RSM }, xml('max', {}, '3'))));
  expect(itemIdsOf(page1.getChild('pubsub').getChild('items'))).toEqual(['fourth', 'third', 'second']);
  const set1 = page1.getChild('pubsub').getChild('set', NS_RSM);
  expect(set1.getChildText('count')).toBe('4');
  const page2 = await request(
    bob,
    'get',
    xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: 'news' }), xml('set', { xmlns: NS_RSM }, xml('max', {}, '3'), xml('after', {}, set1.getChildText('last')))),
  );
  expect(itemIdsOf(page2.getChild('pubsub').getChild('items'))).toEqual(['first']);

  const retracted = nextStanza(carol, (el) => isEvent(el) && el.getChild('event', NS_EVENT).getChild('items')?.getChild('retract') !== undefined);
  await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('retract', { node: 'news', notify: 'true' }, xml('item', { id: 'first' }))));
  expect((await retracted).getChild('event', NS_EVENT).getChild('items').getChild('retract').attrs.id).toBe('first');

  await expect(request(bob, 'set', xml('pubsub', { xmlns: NS_OWNER }, xml('delete', { node: 'news' })))).rejects.toMatchObject({ condition: 'forbidden' });
  const deleted = Promise.all([bob, carol].map((user) => nextStanza(user, (el) => isEvent(el) && el.getChild('event', NS_EVENT).getChild('delete') !== undefined)));
  await request(alice, 'set', xml('pubsub', { xmlns: NS_OWNER }, xml('delete', { node: 'news' })));
  await deleted;
  await expect(request(bob, 'get', xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: 'news' })))).rejects.toMatchObject({ condition: 'item-not-found' });
});

test('a pubsub#errors condition reaches the client: publish-options not met is conflict/precondition-not-met', async () => {
  const alice = await connect('alice');
  await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('create', { node: 'private' })));
  const options = xml(
    'publish-options',
    {},
    xml(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${NS_PUBSUB}#publish-options`)),
      xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'whitelist')),
    ),
  );
  const attempt = request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'private' }, xml('item', {}, xml('n', { xmlns: 'urn:example' }))), options));
  await expect(attempt).rejects.toMatchObject({ condition: 'conflict', application: expect.objectContaining({ name: 'precondition-not-met' }) });
});

test('another instance on the same store serves the same nodes (state lives in storage)', async () => {
  const alice = await connect('alice');
  await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'durable' }, xml('item', { id: 'kept' }, xml('n', { xmlns: 'urn:example' }, 'x')))));
  await component.stop();
  const opened = openLmdbPubsubStore(pubsubDir); // the same directory, reopened as a fresh instance would
  component = await startPubsubComponent({
    service: `xmpp://127.0.0.1:${server.componentPort}`,
    domain: PUBSUB,
    secret: 'pubsub-secret',
    serverDomain: server.domain,
    store: opened.store,
    logger: createLogger('silent'),
  });
  const previousClose = closeStore;
  closeStore = async () => {
    await opened.close();
    await previousClose();
  };
  let items: any;
  for (let attempt = 0; attempt < 10 && !items; attempt++) {
    // The router may still see the old link closing for a moment.
    const get = xml('iq', { type: 'get', to: PUBSUB }, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: 'durable' })));
    items = await alice.iqCaller.request(get, 1000).catch(() => new Promise((r) => setTimeout(r, 100)).then(() => undefined));
  }
  expect(itemIdsOf(items.getChild('pubsub').getChild('items'))).toEqual(['kept']);
});
