// XEP-0402 #compat and XEP-0411 on the router: private XML bookmarks ⇄ PEP (a fake PEP service
// stands in for the component, whose own 'storage:bookmarks' ⇄ XEP-0402 conversion is tested in
// components/pubsub/pep.test.ts).
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import { accountHarness, settle } from './test-support/account-harness.js';
import { FakePepLink } from './test-support/fake-pep-link.js';
import { legacyStorageOf, NS_BOOKMARKS, NS_BOOKMARKS_LEGACY } from './bookmarks-compat.js';

function setup() {
  const h = accountHarness();
  const pep = new FakePepLink(h.router);
  h.router.components.attach(pep);
  return { ...h, pep, a: h.session('a') };
}
const privateQuery = (child: Element) => new Element('query', { xmlns: NS.privateXml }).cnode(child).root();
const legacy = (...rooms: string[]) => {
  const storage = new Element('storage', { xmlns: NS_BOOKMARKS_LEGACY });
  for (const jid of rooms) storage.c('conference', { jid, autojoin: 'true', name: jid.split('@')[0]! }).c('nick').t('al');
  return storage;
};
const modern = (name: string) => new Element('conference', { xmlns: NS_BOOKMARKS, name, autojoin: '1' }).c('password').t('pw').root();
const pubsub = (op: string, node: string, id: string, payload?: Element) => {
  const el = new Element('pubsub', { xmlns: NS.pubsub });
  const item = el.c(op, { node }).c('item', { id });
  if (payload) item.cnode(payload);
  return el;
};
const storedPrivate = (h: ReturnType<typeof setup>) => h.accountData.data.get('a@localhost')?.get(`private:${NS_BOOKMARKS_LEGACY}`);

test('XEP-0402 §5.3.1: items become one XEP-0048 <storage/>, the item id as jid, autojoin normalised', () => {
  const item = new Element('item', { id: 'room@muc.localhost' }).cnode(modern('Room')).root();
  expect(legacyStorageOf([item, new Element('item', { id: 'x' })]).toString()).toBe(
    '<storage xmlns="storage:bookmarks"><conference jid="room@muc.localhost" autojoin="true" name="Room"><password>pw</password></conference></storage>',
  );
});

test('XEP-0411: bookmarks stored in private XML are published as the owner to the private PEP node storage:bookmarks', async () => {
  const h = setup();
  expect((await h.ask(h.a, 'set', privateQuery(legacy('lobby@muc.localhost')))).attrs.type).toBe('result');
  expect(h.pep.calls).toEqual([{ from: 'a@localhost', service: 'a@localhost', op: 'publish', node: NS_BOOKMARKS_LEGACY, id: 'current' }]);
  expect(h.pep.node('a@localhost', NS_BOOKMARKS_LEGACY).get('current')!.getChild('conference')!.attrs.jid).toBe('lobby@muc.localhost');
  await settle(10);
  expect(h.pep.calls).toHaveLength(1); // nothing came back around
  // Other private XML stays private.
  await h.ask(h.a, 'set', privateQuery(new Element('note', { xmlns: 'urn:example:n' })));
  expect(h.pep.calls).toHaveLength(1);
});

test('#compat: a publish or retract on urn:xmpp:bookmarks:1 rewrites the private XML bookmarks from all the items', async () => {
  const h = setup();
  await h.ask(h.a, 'set', pubsub('publish', NS_BOOKMARKS, 'one@muc.localhost', modern('One')));
  await h.ask(h.a, 'set', pubsub('publish', NS_BOOKMARKS, 'two@muc.localhost', modern('Two')));
  await settle(20);
  const read = async () => (await h.ask(h.a, 'get', privateQuery(new Element('storage', { xmlns: NS_BOOKMARKS_LEGACY })))).getChild('query')!.getChild('storage')!;
  expect((await read()).getChildren('conference').map((c) => c.attrs.jid)).toEqual(['one@muc.localhost', 'two@muc.localhost']);
  await h.ask(h.a, 'set', pubsub('retract', NS_BOOKMARKS, 'one@muc.localhost'));
  expect((await read()).getChildren('conference').map((c) => c.attrs.jid)).toEqual(['two@muc.localhost']);
  expect(h.pep.calls.filter((c) => c.op === 'publish' && c.from === 'a@localhost')).toEqual([]); // the router published nothing
});

test('XEP-0411: a <storage/> the owner publishes to storage:bookmarks on PEP is copied to private XML as it is', async () => {
  const h = setup();
  await h.ask(h.a, 'set', pubsub('publish', NS_BOOKMARKS_LEGACY, 'current', legacy('lobby@muc.localhost', 'bar@muc.localhost')));
  await settle(10);
  expect(storedPrivate(h)).toBe(legacy('lobby@muc.localhost', 'bar@muc.localhost').toString());
});

test('with nothing in private XML yet, a read answers from the XEP-0402 items; with none there either, the empty element', async () => {
  const h = setup();
  const read = async () => (await h.ask(h.a, 'get', privateQuery(new Element('storage', { xmlns: NS_BOOKMARKS_LEGACY })))).getChild('query')!.getChild('storage')!;
  expect((await read()).children).toEqual([]);
  h.pep.node('a@localhost', NS_BOOKMARKS).set('old@muc.localhost', modern('Old')); // written before #compat existed
  expect((await read()).getChild('conference')!.attrs).toMatchObject({ jid: 'old@muc.localhost', name: 'Old' });
});
