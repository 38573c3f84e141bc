// XEP-0398 on the router: PEP avatar → vCard PHOTO, vCard PHOTO → PEP avatar, the hash in
// presence, and no conversion coming back around (a fake PEP service stands in for the component).
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import { accountHarness, settle } from './test-support/account-harness.js';
import { FakePepLink } from './test-support/fake-pep-link.js';
import { PEP_VCARD_CONVERSION } from './avatar-conversion.js';
import { VCARD } from './vcard.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const HASH = createHash('sha1').update(PNG).digest('hex');

function setup() {
  const h = accountHarness();
  const pep = new FakePepLink(h.router);
  h.router.components.attach(pep);
  return { ...h, pep };
}
const publish = (node: string, id: string, payload: Element) => {
  const pubsub = new Element('pubsub', { xmlns: NS.pubsub });
  pubsub.c('publish', { node }).c('item', { id }).cnode(payload);
  return pubsub;
};
const data = (bytes: Buffer) => new Element('data', { xmlns: 'urn:xmpp:avatar:data' }).t(bytes.toString('base64'));
const metadata = (...infos: Record<string, string>[]) => {
  const el = new Element('metadata', { xmlns: 'urn:xmpp:avatar:metadata' });
  for (const info of infos) el.c('info', info);
  return el;
};
const vcardWithPhoto = (b64: string) => {
  const el = new Element('vCard', { xmlns: VCARD });
  el.c('FN').t('Alice');
  el.c('PHOTO').c('TYPE').t('image/jpeg').up().c('BINVAL').t(b64);
  return el;
};
const storedVcard = (h: ReturnType<typeof setup>) => h.accountData.data.get('a@localhost')?.get('vcard');

test('the account advertises the conversion while the PEP component is attached, and not without it', async () => {
  const h = accountHarness();
  const a = h.session('a');
  const features = async () => (await h.ask(a, 'get', new Element('query', { xmlns: NS.discoInfo }), 'a@localhost')).getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
  expect(await features()).not.toContain(PEP_VCARD_CONVERSION);
  h.router.components.attach(new FakePepLink(h.router));
  expect(await features()).toContain(PEP_VCARD_CONVERSION);
});

test('§3.1: published avatar metadata makes the image of its url-less info the vCard PHOTO, other fields kept', async () => {
  const h = setup();
  const a = h.session('a');
  await h.accountData.put('a@localhost', 'vcard', '<vCard xmlns="vcard-temp"><FN>Alice</FN></vCard>');
  await h.ask(a, 'set', publish('urn:xmpp:avatar:data', HASH, data(PNG)));
  await h.ask(a, 'set', publish('urn:xmpp:avatar:metadata', HASH, metadata({ id: 'f'.repeat(40), type: 'image/gif', bytes: '9', url: 'https://example.org/a.gif' }, { id: HASH, type: 'image/png', bytes: String(PNG.length) })));
  await settle(20);
  const vcard = (await h.ask(a, 'get', new Element('vCard', { xmlns: VCARD }))).getChild('vCard')!;
  expect(vcard.getChildText('FN')).toBe('Alice');
  expect(vcard.getChild('PHOTO')!.getChildText('TYPE')).toBe('image/png');
  expect(Buffer.from(vcard.getChild('PHOTO')!.getChildText('BINVAL')!, 'base64')).toEqual(PNG);
  // The router read the data as the owner and published nothing itself.
  expect(h.pep.calls.filter((c) => c.from === 'a@localhost')).toEqual([expect.objectContaining({ op: 'items', node: 'urn:xmpp:avatar:data', id: HASH })]);
});

test('§3.1: data that does not match its SHA-1 id, and metadata with only URLs or none, leave the vCard alone', async () => {
  const h = setup();
  const a = h.session('a');
  await h.ask(a, 'set', publish('urn:xmpp:avatar:data', HASH, data(Buffer.from('something else'))));
  await h.ask(a, 'set', publish('urn:xmpp:avatar:metadata', HASH, metadata({ id: HASH, type: 'image/png', bytes: '16' })));
  await h.ask(a, 'set', publish('urn:xmpp:avatar:metadata', 'x', metadata({ id: 'x', type: 'image/png', bytes: '1', url: 'https://example.org/x.png' })));
  await h.ask(a, 'set', publish('urn:xmpp:avatar:metadata', 'current', metadata()));
  await settle(20);
  expect(storedVcard(h)).toBeUndefined();
});

test('§3.2: a vCard with a new PHOTO is published as avatar data, then metadata, as the owner — and that is not converted back', async () => {
  const h = setup();
  const a = h.session('a');
  expect((await h.ask(a, 'set', vcardWithPhoto(PNG.toString('base64')))).attrs.type).toBe('result');
  await settle(20);
  const own = h.pep.calls.filter((c) => c.from === 'a@localhost' && c.op === 'publish');
  expect(own.map((c) => [c.node, c.id])).toEqual([['urn:xmpp:avatar:data', HASH], ['urn:xmpp:avatar:metadata', HASH]]);
  const info = h.pep.node('a@localhost', 'urn:xmpp:avatar:metadata').get(HASH)!.getChild('info')!;
  expect(info.attrs).toMatchObject({ id: HASH, type: 'image/jpeg', bytes: String(PNG.length) });
  expect(h.pep.node('a@localhost', 'urn:xmpp:avatar:data').get(HASH)!.getText()).toBe(PNG.toString('base64'));
  // Setting the same photo again publishes nothing new (the metadata already names it).
  await h.ask(a, 'set', vcardWithPhoto(PNG.toString('base64')));
  await settle(20);
  expect(h.pep.calls.filter((c) => c.op === 'publish')).toHaveLength(2);
});

test('§4: available presence gets the photo hash, an empty <photo/> is respected, and the hash follows a new vCard', async () => {
  const h = setup();
  await h.accountData.put('a@localhost', 'vcard', vcardWithPhoto('AAAA').toString());
  const a = h.session('a'); // bound: the hash is loaded
  const b = h.session('a', 'other', 0);
  await settle(10);
  b.take();
  h.router.fromClient(a, new Element('presence', { from: a.jid.full }));
  const zeros = createHash('sha1').update(Buffer.from('AAAA', 'base64')).digest('hex');
  expect(b.take('presence')[0]!.getChild('x', 'vcard-temp:x:update')!.getChildText('photo')).toBe(zeros);
  const empty = new Element('presence', { from: a.jid.full });
  empty.c('x', { xmlns: 'vcard-temp:x:update' }).c('photo');
  h.router.fromClient(a, empty);
  expect(b.take('presence')[0]!.getChild('x', 'vcard-temp:x:update')!.getChildText('photo')).toBe('');
  await h.ask(a, 'set', vcardWithPhoto(PNG.toString('base64')));
  const filled = new Element('presence', { from: a.jid.full });
  filled.c('x', { xmlns: 'vcard-temp:x:update' }); // an <x/> without <photo/> is filled in
  h.router.fromClient(a, filled);
  const xs = b.take('presence')[0]!.getChildren('x', 'vcard-temp:x:update');
  expect(xs.map((x) => x.getChildText('photo'))).toEqual([HASH]);
});
