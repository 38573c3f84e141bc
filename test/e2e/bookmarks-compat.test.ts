// End-to-end XEP-0402 `#compat` and XEP-0411 (docs/pep.md §8): slixmpp keeps XEP-0048 bookmarks
// in private XML (xep_0048 over xep_0049, driven by slixmpp_conversion_client.py), another client
// of the same user (@xmpp/client) uses XEP-0402 on PEP, and each sees what the other stored.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { capsVer } from '../../components/pubsub/caps-hash.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const script = fileURLToPath(new URL('./slixmpp_conversion_client.py', import.meta.url));
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const LEGACY = 'storage:bookmarks';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
let modern: XmppClient;

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('slix', 'slix-pw');
  // The user's modern client: XEP-0402 on PEP, notified of both bookmark nodes.
  modern = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'slix', password: 'slix-pw', resource: 'modern' });
  modern.on('error', () => {});
  const info = () => xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'js' }),
    [`${BOOKMARKS}+notify`, `${LEGACY}+notify`].map((v) => xml('feature', { var: v })));
  modern.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: any) => Object.assign(info(), { attrs: { ...info().attrs, node: ctx.element.attrs.node } }));
  await modern.start();
  await modern.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'urn:js', ver: capsVer(info(), 'sha-1') })));
  await new Promise((r) => setTimeout(r, 300)); // the component resolves the caps
});

afterAll(async () => {
  await modern?.stop().catch(() => {});
  await server?.stop();
});

function runSlixmpp(mode: string, arg = ''): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, `slix@${server.domain}/py`, 'slix-pw', String(server.c2sPort), mode, arg], { timeout: 40_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...JSON.parse(line), stderr: stderr.slice(-1500) });
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}

const iq = (type: 'get' | 'set', payload: any) => modern.iqCaller.request(xml('iq', { type }, payload));
const pubsub = (...children: any[]) => xml('pubsub', { xmlns: NS_PUBSUB }, ...children);
const publishOptions = (fields: Record<string, string>) =>
  xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${NS_PUBSUB}#publish-options`)),
    Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v)))));
const isEvent = (node: string) => (el: any) => el.is('message') && el.getChild('event', NS_EVENT)?.getChild('items')?.attrs.node === node;
const modernRooms = async () => (await iq('get', pubsub(xml('items', { node: BOOKMARKS })))).getChild('pubsub').getChild('items').getChildren('item');

test('bookmarks slixmpp stores in private XML reach the user\'s XEP-0402 client as items, with notifications on both PEP nodes', async () => {
  const room = `oldschool@conference.${server.domain}`;
  const modernEvent = nextStanza(modern, isEvent(BOOKMARKS), 30_000);
  const legacyEvent = nextStanza(modern, isEvent(LEGACY), 30_000);
  const result = await runSlixmpp('bookmarks-store', room);
  expect(result.error).toBeUndefined();
  // XEP-0402 §5.3 and XEP-0411 §2: the account says the conversions happen.
  expect(result.features).toEqual(expect.arrayContaining([`${BOOKMARKS}#compat`, `${BOOKMARKS}#compat-pep`, 'urn:xmpp:bookmarks-conversion:0']));
  expect((await modernEvent).getChild('event', NS_EVENT).getChild('items').getChild('item').attrs.id).toBe(room);
  // XEP-0411 §3: a change over private XML notifies the subscribers of 'storage:bookmarks'.
  const legacy = (await legacyEvent).getChild('event', NS_EVENT).getChild('items').getChild('item').getChild('storage', LEGACY);
  expect(legacy.getChild('conference').attrs.jid).toBe(room);
  const items = await modernRooms();
  expect(items.map((i: any) => i.attrs.id)).toEqual([room]);
  const conference = items[0].getChild('conference', BOOKMARKS);
  expect(conference.attrs).toMatchObject({ name: 'Old school', autojoin: 'true' });
  expect(conference.getChildText('nick')).toBe('slix');
}, 60_000);

test('bookmarks the XEP-0402 client publishes and retracts are what slixmpp reads from private XML', async () => {
  const council = `council@conference.${server.domain}`;
  await iq('set', pubsub(
    xml('publish', { node: BOOKMARKS }, xml('item', { id: council }, xml('conference', { xmlns: BOOKMARKS, name: 'Council', autojoin: 'false' }, xml('nick', {}, 'puck')))),
    publishOptions({ 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist' })));
  await iq('set', pubsub(xml('retract', { node: BOOKMARKS, notify: 'true' }, xml('item', { id: `oldschool@conference.${server.domain}` }))));
  const result = await runSlixmpp('bookmarks-read');
  expect(result.error).toBeUndefined();
  expect(result.rooms).toEqual([council]);
}, 60_000);

test('XEP-0048 bookmarks a client publishes on PEP are read back from private XML by another client', async () => {
  const lobby = `lobby@conference.${server.domain}`;
  await iq('set', pubsub(
    xml('publish', { node: LEGACY }, xml('item', { id: 'current' }, xml('storage', { xmlns: LEGACY }, xml('conference', { jid: lobby, autojoin: 'true', name: 'Lobby' })))),
    publishOptions({ 'pubsub#persist_items': 'true', 'pubsub#access_model': 'whitelist' })));
  const result = await runSlixmpp('bookmarks-read');
  expect(result.error).toBeUndefined();
  expect(result.rooms).toEqual([lobby]);
  expect((await modernRooms()).map((i: any) => i.attrs.id)).toEqual([lobby]); // and the PEP side converted it (#compat-pep)
}, 60_000);
