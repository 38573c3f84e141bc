// End-to-end XEP-0398 (User Avatar ⇄ vCard-based avatars, docs/pep.md §8): slixmpp (xep_0084,
// xep_0054, xep_0153, driven by slixmpp_conversion_client.py) sets avatars one way, an
// @xmpp/client contact sees them the other way, and the hash arrives in presence.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { withStores } from '../../cli/with-stores.js';
import { capsVer } from '../../components/pubsub/caps-hash.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const script = fileURLToPath(new URL('./slixmpp_conversion_client.py', import.meta.url));
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const AVATAR_DATA = 'urn:xmpp:avatar:data';
const AVATAR_META = 'urn:xmpp:avatar:metadata';
const CONVERSION = 'urn:xmpp:pep-vcard-conversion:0';

type XmppClient = ReturnType<typeof client>;
let server: TestServer;
let juliet: XmppClient;
const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');
/** Bytes that start like a PNG; the server never decodes images, only hashes them. */
const image = (tag: string) => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(`avatar ${tag} `.repeat(20))]);

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('slix', 'slix-pw');
  await server.addUser('juliet', 'juliet-pw');
  const d = server.domain;
  await withStores(server.config, (stores) =>
    stores.rosters.putMany([
      { owner: `juliet@${d}`, roster: { version: 0, items: [{ jid: `slix@${d}`, subscription: 'both', groups: [] }], pendingIn: [] } },
      { owner: `slix@${d}`, roster: { version: 0, items: [{ jid: `juliet@${d}`, subscription: 'both', groups: [] }], pendingIn: [] } },
    ]),
  );
  // juliet: a contact whose caps ask for avatar metadata notifications (XEP-0084 §4.3).
  juliet = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: d, username: 'juliet', password: 'juliet-pw', resource: 'js' });
  juliet.on('error', () => {});
  const info = () => xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'js' }), xml('feature', { var: `${AVATAR_META}+notify` }));
  juliet.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: any) => Object.assign(info(), { attrs: { ...info().attrs, node: ctx.element.attrs.node } }));
  await juliet.start();
  await juliet.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'urn:js', ver: capsVer(info(), 'sha-1') })));
  await new Promise((r) => setTimeout(r, 300)); // the component resolves juliet's caps
});

afterAll(async () => {
  await juliet?.stop().catch(() => {});
  await server?.stop();
});

function runSlixmpp(mode: string, arg: string): Promise<Record<string, any>> {
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

const iq = (type: 'get' | 'set', payload: any, to?: string) => juliet.iqCaller.request(xml('iq', to ? { type, to } : { type }, payload));
const slixVcardPhoto = async () => {
  const vcard = (await iq('get', xml('vCard', { xmlns: 'vcard-temp' }), `slix@${server.domain}`)).getChild('vCard');
  return Buffer.from(vcard?.getChild('PHOTO')?.getChildText('BINVAL') ?? '', 'base64');
};

test('an avatar slixmpp publishes on PEP (xep_0084) becomes its vCard PHOTO for a contact, and its hash is stamped into presence', async () => {
  const png = image('pep');
  const stamped = nextStanza(juliet, (el: any) => el.is('presence') && el.attrs.from?.startsWith(`slix@${server.domain}/`) &&
    el.getChild('x', 'vcard-temp:x:update')?.getChildText('photo') === sha1(png), 30_000);
  const result = await runSlixmpp('avatar-pep', png.toString('hex'));
  expect(result.error).toBeUndefined();
  expect(result.features).toContain(CONVERSION); // XEP-0398 §2, on the account
  expect(result).toMatchObject({ vcard_photo_sha1: sha1(png), vcard_photo_type: 'image/png' });
  expect(sha1(await slixVcardPhoto())).toBe(sha1(png)); // XEP-0153 fallback for anyone
  await stamped; // XEP-0398 §4: slixmpp sent plain presence, the server added the hash
}, 60_000);

test('a vCard avatar slixmpp sets (xep_0153) is published as User Avatar: the contact gets one metadata notification and the data, nothing loops back', async () => {
  const png = image('vcard');
  const id = sha1(png);
  const notified: any[] = [];
  const onEvent = (el: any) => {
    const items = el.is('message') && el.attrs.from === `slix@${server.domain}` ? el.getChild('event', NS_EVENT)?.getChild('items') : undefined;
    if (items?.attrs.node === AVATAR_META) notified.push(items);
  };
  juliet.on('stanza', onEvent);
  try {
    const result = await runSlixmpp('avatar-vcard', png.toString('hex'));
    expect(result.error).toBeUndefined();
    expect(result.pep_data_sha1).toBe(id); // read back with xep_0084 from its own PEP service
    const data = await iq('get', xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: AVATAR_DATA }, xml('item', { id }))), `slix@${server.domain}`);
    const b64 = data.getChild('pubsub').getChild('items').getChild('item').getChildText('data', AVATAR_DATA);
    expect(sha1(Buffer.from(b64, 'base64'))).toBe(id);
    for (let waited = 0; notified.length === 0 && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // time for a conversion echo, were there one
    const ids = notified.map((items) => items.getChild('item')?.getChild('metadata', AVATAR_META)?.getChild('info')?.attrs.id);
    expect(ids).toEqual([id]);
    expect(notified[0].getChild('item').getChild('metadata', AVATAR_META).getChild('info').attrs).toMatchObject({ type: 'image/png', bytes: String(png.length) });
    expect(sha1(await slixVcardPhoto())).toBe(id);
  } finally {
    juliet.off('stanza', onEvent);
  }
}, 60_000);
