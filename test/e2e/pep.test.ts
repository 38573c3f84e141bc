// End-to-end PEP (XEP-0163) with @xmpp/client users against the all-in-one, whose PubSub component
// on pubsub.localhost serves every account's PEP service (docs/pep.md): +notify filtering by caps,
// last item on login, XEP-0402 bookmarks, XEP-0084 avatars and the main error conditions.
import { client, xml } from '@xmpp/client';
import { withStores } from '../../cli/with-stores.js';
import { capsVer } from '../../components/pubsub/caps-hash.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_CAPS = 'http://jabber.org/protocol/caps';
const TUNE = 'http://jabber.org/protocol/tune';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const AVATAR_DATA = 'urn:xmpp:avatar:data';
const AVATAR_META = 'urn:xmpp:avatar:metadata';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  for (const user of ['juliet', 'romeo', 'nurse']) await server.addUser(user, `${user}-pw`);
  // juliet ⇄ romeo have a mutual presence subscription; nurse is no contact of anyone.
  const d = server.domain;
  await withStores(server.config, (stores) =>
    stores.rosters.putMany([
      { owner: `juliet@${d}`, roster: { version: 0, items: [{ jid: `romeo@${d}`, subscription: 'both', groups: [] }], pendingIn: [] } },
      { owner: `romeo@${d}`, roster: { version: 0, items: [{ jid: `juliet@${d}`, subscription: 'both', groups: [] }], pendingIn: [] } },
    ]),
  );
});

/**
 * @xmpp/client 0.14 detaches its parser when it stops, and bytes the server had already sent (a
 * PEP notification crossing the client's </stream>) then throw in its socket's data handler,
 * outside any test (seen once in CI as "Cannot read properties of null (reading 'write')").
 */
function ignoreDataAfterStop<T>(xmpp: T): T {
  const c = xmpp as unknown as { parser: unknown; _onData(data: Buffer): void };
  const onData = c._onData.bind(c);
  c._onData = (data) => void (c.parser && onData(data));
  return xmpp;
}

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await server?.stop();
});

/** Logs in, answers caps disco#info queries with `features`, and sends presence with the caps hash. */
async function connect(username: string, resource: string, features: string[]): Promise<XmppClient> {
  const xmpp = ignoreDataAfterStop(client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource, username, password: `${username}-pw` }));
  xmpp.on('error', () => {});
  clients.push(xmpp);
  const info = () =>
    xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'e2e' }), [NS_DISCO_INFO, NS_CAPS, ...features].map((v) => xml('feature', { var: v })));
  const ver = capsVer(info(), 'sha-1')!;
  xmpp.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: any) => {
    const reply = info();
    if (ctx.element.attrs.node) reply.attrs.node = ctx.element.attrs.node;
    return reply;
  });
  await xmpp.start();
  await xmpp.send(xml('presence', {}, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:pampero:e2e', ver })));
  return xmpp;
}

const iq = (xmpp: XmppClient, type: 'get' | 'set', payload: any, to?: string) => xmpp.iqCaller.request(xml('iq', to ? { type, to } : { type }, payload));
const pubsub = (...children: any[]) => xml('pubsub', { xmlns: NS_PUBSUB }, ...children);
const isEvent = (node: string) => (el: any) => el.is('message') && el.getChild('event', NS_EVENT)?.getChild('items')?.attrs.node === node;
const publishOptions = (fields: Record<string, string>) =>
  xml('publish-options', {},
    xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${NS_PUBSUB}#publish-options`)),
      Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v)))));
/** Resolves to the stanzas matching within `ms` (to prove something did NOT arrive). */
function collect(xmpp: XmppClient, match: (el: any) => boolean, ms = 700): Promise<any[]> {
  const got: any[] = [];
  const on = (el: any) => match(el) && got.push(el);
  xmpp.on('stanza', on);
  return new Promise((resolve) => setTimeout(() => { xmpp.off('stanza', on); resolve(got); }, ms));
}
/** Gives the component time to resolve the caps of a fresh login. */
const settle = () => new Promise((r) => setTimeout(r, 300));

test('a contact with +notify caps gets the tune from the publisher\'s bare JID; a non-contact and a resource without +notify do not', async () => {
  const juliet = await connect('juliet', 'phone', [`${TUNE}+notify`]);
  const romeo = await connect('romeo', 'balcony', [`${TUNE}+notify`]);
  const romeoQuiet = await connect('romeo', 'quiet', []);
  const nurse = await connect('nurse', 'kitchen', [`${TUNE}+notify`]);
  await settle();
  const romeoGets = nextStanza(romeo, isEvent(TUNE));
  const julietGets = nextStanza(juliet, isEvent(TUNE));
  const nurseGets = collect(nurse, isEvent(TUNE));
  const quietGets = collect(romeoQuiet, isEvent(TUNE));
  const result = await iq(juliet, 'set', pubsub(xml('publish', { node: TUNE }, xml('item', { id: 'current' }, xml('tune', { xmlns: TUNE }, xml('title', {}, 'Gabriel'))))));
  expect(result.getChild('pubsub')?.getChild('publish')?.attrs.node).toBe(TUNE);
  const event = await romeoGets;
  expect(event.attrs.from).toBe(`juliet@${server.domain}`);
  expect(event.getChild('event').getChild('items').getChild('item').getChild('tune', TUNE).getChildText('title')).toBe('Gabriel');
  expect((await julietGets).attrs.from).toBe(`juliet@${server.domain}`); // the owner's own +notify resource
  expect(await nurseGets).toHaveLength(0);
  expect(await quietGets).toHaveLength(0);

  // A contact reads the node at the owner's bare JID; a stranger is refused by the presence access model.
  const items = await iq(romeo, 'get', pubsub(xml('items', { node: TUNE })), `juliet@${server.domain}`);
  expect(items.getChild('pubsub').getChild('items').getChildren('item').map((i: any) => i.attrs.id)).toEqual(['current']);
  await expect(iq(nurse, 'get', pubsub(xml('items', { node: TUNE })), `juliet@${server.domain}`)).rejects.toMatchObject({ condition: 'not-authorized' });

  // Coming online later with +notify caps brings the last item (XEP-0163 §4.3.4).
  const late = ignoreDataAfterStop(client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: 'late', username: 'romeo', password: 'romeo-pw' }));
  late.on('error', () => {});
  clients.push(late);
  const lateInfo = () => xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'late' }), xml('feature', { var: `${TUNE}+notify` }));
  late.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: any) => Object.assign(lateInfo(), { attrs: { ...lateInfo().attrs, node: ctx.element.attrs.node } }));
  await late.start();
  const lastItem = nextStanza(late, isEvent(TUNE));
  await late.send(xml('presence', {}, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:late', ver: capsVer(lateInfo(), 'sha-1') })));
  expect((await lastItem).attrs.from).toBe(`juliet@${server.domain}`);
});

test('the account advertises PEP, and PEP errors: publishing to another user, reading a missing node', async () => {
  const juliet = await connect('juliet', 'errors', []);
  const info = await iq(juliet, 'get', xml('query', { xmlns: NS_DISCO_INFO }), `juliet@${server.domain}`);
  expect(info.getChild('query').getChildren('identity').map((i: any) => `${i.attrs.category}/${i.attrs.type}`)).toContain('pubsub/pep');
  expect(info.getChild('query').getChildren('feature').map((f: any) => f.attrs.var)).toContain(`${NS_PUBSUB}#publish-options`);
  await expect(iq(juliet, 'set', pubsub(xml('publish', { node: 'x' }, xml('item', {}, xml('x', { xmlns: 'urn:x' })))), `romeo@${server.domain}`)).rejects.toMatchObject({ condition: 'forbidden' });
  await expect(iq(juliet, 'get', pubsub(xml('items', { node: 'urn:nothing:here' })))).rejects.toMatchObject({ condition: 'item-not-found' });
  const precondition = iq(juliet, 'set', pubsub(xml('publish', { node: TUNE }, xml('item', {}, xml('tune', { xmlns: TUNE }))), publishOptions({ 'pubsub#access_model': 'whitelist' })));
  await expect(precondition).rejects.toMatchObject({ condition: 'conflict' });
});

test('XEP-0402 bookmarks: stored privately, seen by a second client of the owner, notified to its +notify resources only', async () => {
  const phone = await connect('juliet', 'bm-phone', []);
  const laptop = await connect('juliet', 'bm-laptop', [`${BOOKMARKS}+notify`]);
  const romeo = await connect('romeo', 'bm', [`${BOOKMARKS}+notify`]);
  await settle();
  const laptopGets = nextStanza(laptop, isEvent(BOOKMARKS));
  const romeoGets = collect(romeo, isEvent(BOOKMARKS));
  const room = `orchard@conference.${server.domain}`;
  await iq(phone, 'set', pubsub(
    xml('publish', { node: BOOKMARKS }, xml('item', { id: room }, xml('conference', { xmlns: BOOKMARKS, name: 'The Orchard', autojoin: 'true' }, xml('nick', {}, 'Jule')))),
    publishOptions({ 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' }),
  ));
  const event = await laptopGets;
  expect(event.getChild('event').getChild('items').getChild('item').attrs.id).toBe(room);
  const items = await iq(laptop, 'get', pubsub(xml('items', { node: BOOKMARKS })));
  const conference = items.getChild('pubsub').getChild('items').getChild('item').getChild('conference', BOOKMARKS);
  expect(conference.attrs).toMatchObject({ name: 'The Orchard', autojoin: 'true' });
  expect(await romeoGets).toHaveLength(0);
  await expect(iq(romeo, 'get', pubsub(xml('items', { node: BOOKMARKS })), `juliet@${server.domain}`)).rejects.toMatchObject({ condition: 'not-allowed' });
});

test('XEP-0084 avatars work on PEP: data and metadata published, metadata notified, data fetched by id', async () => {
  const juliet = await connect('juliet', 'avatar', []);
  const romeo = await connect('romeo', 'avatar', [`${AVATAR_META}+notify`]);
  await settle();
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
  const id = 'e2e-avatar-sha1';
  await iq(juliet, 'set', pubsub(xml('publish', { node: AVATAR_DATA }, xml('item', { id }, xml('data', { xmlns: AVATAR_DATA }, png)))));
  const romeoGets = nextStanza(romeo, isEvent(AVATAR_META));
  await iq(juliet, 'set', pubsub(xml('publish', { node: AVATAR_META }, xml('item', { id }, xml('metadata', { xmlns: AVATAR_META }, xml('info', { bytes: '16', id, height: '1', width: '1', type: 'image/png' }))))));
  const meta = await romeoGets;
  expect(meta.getChild('event').getChild('items').getChild('item').getChild('metadata', AVATAR_META).getChild('info').attrs.id).toBe(id);
  const data = await iq(romeo, 'get', pubsub(xml('items', { node: AVATAR_DATA }, xml('item', { id }))), `juliet@${server.domain}`);
  expect(data.getChild('pubsub').getChild('items').getChild('item').getChildText('data')).toBe(png);
});
