// PEP (XEP-0163) in the component, driven without sockets: delegated IQs, presence copies with
// caps, +notify filtering, privileged notifications, XEP-0223 private nodes, last item on login.
import { capsVer } from './caps-hash.js';
import { createHarness, entry, errorOf, itemIds, NS_PUBSUB, pubsub, submitForm, type Harness } from './test-support/pubsub-harness.js';
import { NS_DELEGATION, NS_FORWARD, NS_PRIVILEGE } from './pep-service.js';
import { NS_CAPS, NS_PAMPERO_PRESENCE } from './pep-presence.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';

const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const JULIET = 'juliet@localhost';
const ROMEO = 'romeo@localhost';
const NURSE = 'nurse@localhost';
const TUNE = 'http://jabber.org/protocol/tune';

let nextOuter = 0;

/** Sends a delegated IQ as the router would and returns the client's answer (unwrapped). */
async function delegated(h: Harness, from: string, owner: string, type: 'get' | 'set', payload: XmlElement): Promise<XmlElement> {
  const outerId = `d${++nextOuter}`;
  const inner = xml('iq', { xmlns: 'jabber:client', type, id: `c${nextOuter}`, from, to: owner }, payload);
  const before = h.sent.length;
  await h.message(xml('iq', { type: 'set', id: outerId, from: 'localhost', to: 'pubsub.localhost' }, xml('delegation', { xmlns: NS_DELEGATION }, xml('forwarded', { xmlns: NS_FORWARD }, inner))));
  const outer = h.sent.slice(before).find((s) => s.name === 'iq' && s.attrs.id === outerId);
  if (!outer) throw new Error('no delegation answer');
  h.sent.splice(h.sent.indexOf(outer), 1);
  expect(outer.attrs).toMatchObject({ type: 'result', from: 'pubsub.localhost', to: 'localhost' });
  return childElements(outer.getChild('delegation', NS_DELEGATION)!.getChild('forwarded', NS_FORWARD)!)[0]!;
}

/** A client's disco#info answer, whose ver is computed like a real client's. */
function discoInfo(features: string[]): XmlElement {
  return xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'test' }), features.map((v) => xml('feature', { var: v })));
}

/** The router's presence copy with caps; answers the component's caps query if it asks. */
async function online(h: Harness, full: string, features: string[], opts: { replica?: boolean } = {}): Promise<void> {
  const ver = capsVer(discoInfo(features), 'sha-1')!;
  const before = h.sent.length;
  await h.message(
    xml('presence', { from: full, to: 'pubsub.localhost' },
      xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:test', ver }),
      xml('initial', { xmlns: NS_PAMPERO_PRESENCE }),
      opts.replica ? xml('replica', { xmlns: NS_PAMPERO_PRESENCE }) : null),
  );
  const query = h.sent.slice(before).find((s) => s.name === 'iq' && s.attrs.to === full && s.getChild('query', NS_DISCO_INFO));
  if (query) {
    h.sent.splice(h.sent.indexOf(query), 1);
    expect(query.getChild('query', NS_DISCO_INFO)!.attrs.node).toBe(`urn:test#${ver}`);
    await h.message(xml('iq', { type: 'result', id: query.attrs.id, from: full, to: 'pubsub.localhost' }, discoInfo(features)));
  }
  await new Promise((r) => setImmediate(r)); // the login work runs after the caps answer
  await new Promise((r) => setTimeout(r, 20));
}

/** Privileged messages sent on users' behalf, unwrapped, then forgotten. */
function takePrivileged(h: Harness): XmlElement[] {
  const out = h.sent.filter((s) => s.name === 'message' && s.getChild('privilege', NS_PRIVILEGE));
  for (const s of out) h.sent.splice(h.sent.indexOf(s), 1);
  return out.map((s) => {
    expect(s.attrs).toMatchObject({ from: 'pubsub.localhost', to: 'localhost' });
    return childElements(s.getChild('privilege', NS_PRIVILEGE)!.getChild('forwarded', NS_FORWARD)!)[0]!;
  });
}

const tune = (title: string) => xml('tune', { xmlns: TUNE }, xml('title', {}, title));
const publishTune = (h: Harness, by: string, title: string, id = 'current') =>
  delegated(h, `${by}/phone`, by, 'set', pubsub(xml('publish', { node: TUNE }, xml('item', { id }, tune(title)))));

function befriend(h: Harness): void {
  h.rosters.set(JULIET, { version: 1, items: [{ jid: ROMEO, subscription: 'both', groups: [] }, { jid: NURSE, subscription: 'to', groups: [] }], pendingIn: [] });
  h.rosters.set(ROMEO, { version: 1, items: [{ jid: JULIET, subscription: 'both', groups: [] }], pendingIn: [] });
}

test('a delegated publish auto-creates the node with the PEP defaults and is answered from the owner', async () => {
  const h = createHarness();
  const answer = await publishTune(h, JULIET, 'Gabriel');
  expect(answer.attrs).toMatchObject({ type: 'result', from: JULIET, to: `${JULIET}/phone`, xmlns: 'jabber:client' });
  const node = await h.store.getNode(JULIET, TUNE);
  expect(node?.config).toMatchObject({ accessModel: 'presence', maxItems: 1, sendLastPublishedItem: 'on_sub_and_presence' });
  expect(await h.store.getNode('pubsub.localhost', TUNE)).toBeUndefined();
});

test('a contact with +notify caps gets the event from the owner; a non-contact and a contact without +notify do not', async () => {
  const h = createHarness();
  befriend(h);
  await online(h, `${ROMEO}/balcony`, [`${TUNE}+notify`]);
  await online(h, `${ROMEO}/tablet`, ['urn:other']);
  await online(h, `${NURSE}/kitchen`, [`${TUNE}+notify`]);
  await online(h, `${JULIET}/phone`, [`${TUNE}+notify`]);
  takePrivileged(h);
  await publishTune(h, JULIET, 'Gabriel');
  const events = takePrivileged(h);
  expect(events.map((e) => e.attrs.to).sort()).toEqual([`${JULIET}/phone`, `${ROMEO}/balcony`]);
  for (const e of events) {
    expect(e.attrs.from).toBe(JULIET);
    expect(e.getChild('event', NS_EVENT)?.getChild('items')?.getChild('item')?.getChild('tune', TUNE)?.getChildText('title')).toBe('Gabriel');
  }
});

test('caps are asked once per hash, and a resource going offline gets nothing more', async () => {
  const h = createHarness();
  befriend(h);
  await online(h, `${ROMEO}/balcony`, [`${TUNE}+notify`]);
  const before = h.sent.length;
  await h.message(xml('presence', { from: `${ROMEO}/garden`, to: 'pubsub.localhost' }, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:test', ver: capsVer(discoInfo([`${TUNE}+notify`]), 'sha-1')! })));
  expect(h.sent.slice(before).filter((s) => s.name === 'iq')).toHaveLength(0);
  await h.message(xml('presence', { from: `${ROMEO}/balcony`, to: 'pubsub.localhost', type: 'unavailable' }));
  takePrivileged(h);
  await publishTune(h, JULIET, 'Gabriel');
  expect(takePrivileged(h).map((e) => e.attrs.to)).toEqual([`${ROMEO}/garden`]);
});

test('caps that do not match their hash count for that resource only', async () => {
  const h = createHarness();
  befriend(h);
  const before = h.sent.length;
  await h.message(xml('presence', { from: `${ROMEO}/liar`, to: 'pubsub.localhost' }, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:test', ver: 'bogus=' })));
  const query = h.sent.slice(before).find((s) => s.name === 'iq')!;
  await h.message(xml('iq', { type: 'result', id: query.attrs.id, from: `${ROMEO}/liar`, to: 'pubsub.localhost' }, discoInfo([`${TUNE}+notify`])));
  await h.message(xml('presence', { from: `${ROMEO}/other`, to: 'pubsub.localhost' }, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'urn:test', ver: 'bogus=' })));
  takePrivileged(h);
  await publishTune(h, JULIET, 'x');
  expect(takePrivileged(h).map((e) => e.attrs.to)).toEqual([`${ROMEO}/liar`]);
});

test('only the owner publishes to or configures their PEP service', async () => {
  const h = createHarness();
  await publishTune(h, JULIET, 'Gabriel');
  const foreign = await delegated(h, `${ROMEO}/balcony`, JULIET, 'set', pubsub(xml('publish', { node: 'romeo-node' }, xml('item', {}, tune('x')))));
  expect(errorOf(foreign)).toBe('forbidden');
  expect(await h.store.getNode(JULIET, 'romeo-node')).toBeUndefined();
  const configure = await delegated(h, `${ROMEO}/balcony`, JULIET, 'get', xml('pubsub', { xmlns: `${NS_PUBSUB}#owner` }, xml('configure', { node: TUNE })));
  expect(errorOf(configure)).toBe('forbidden');
});

test('presence access: a contact retrieves the items, a stranger gets presence-subscription-required', async () => {
  const h = createHarness();
  befriend(h);
  await publishTune(h, JULIET, 'Gabriel');
  const contact = await delegated(h, `${ROMEO}/balcony`, JULIET, 'get', pubsub(xml('items', { node: TUNE })));
  expect(itemIds(contact.getChild('pubsub', NS_PUBSUB)?.getChild('items'))).toEqual(['current']);
  const stranger = await delegated(h, `${NURSE}/kitchen`, JULIET, 'get', pubsub(xml('items', { node: TUNE })));
  expect(errorOf(stranger)).toBe('not-authorized/presence-subscription-required');
});

test('XEP-0223: private storage with access_model whitelist is the owner\'s only, and preconditions are checked', async () => {
  const h = createHarness();
  befriend(h);
  const options = (model: string) => xml('publish-options', {}, submitForm(`${NS_PUBSUB}#publish-options`, { 'pubsub#persist_items': 'true', 'pubsub#access_model': model }));
  const store = (model: string) =>
    delegated(h, `${JULIET}/phone`, JULIET, 'set', pubsub(xml('publish', { node: 'storage:bookmarks' }, xml('item', { id: 'current' }, entry('secret'))), options(model)));
  expect((await store('whitelist')).attrs.type).toBe('result');
  expect((await h.store.getNode(JULIET, 'storage:bookmarks'))?.config.accessModel).toBe('whitelist');
  const own = await delegated(h, `${JULIET}/laptop`, JULIET, 'get', pubsub(xml('items', { node: 'storage:bookmarks' })));
  expect(itemIds(own.getChild('pubsub', NS_PUBSUB)?.getChild('items'))).toEqual(['current']);
  const contact = await delegated(h, `${ROMEO}/balcony`, JULIET, 'get', pubsub(xml('items', { node: 'storage:bookmarks' })));
  expect(errorOf(contact)).toBe('not-allowed/closed-node');
  expect(errorOf(await store('open'))).toBe('conflict/precondition-not-met');
  // disco#items of the account hides it from contacts (XEP-0163 §6.2).
  const listed = await delegated(h, `${ROMEO}/balcony`, JULIET, 'get', xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }));
  expect(listed.getChild('query')!.getChildren('item')).toHaveLength(0);
});

test('XEP-0402: bookmarks with max_items=max keep every conference and notify only own +notify resources', async () => {
  const h = createHarness();
  befriend(h);
  await online(h, `${JULIET}/laptop`, ['urn:xmpp:bookmarks:1+notify']);
  await online(h, `${ROMEO}/balcony`, ['urn:xmpp:bookmarks:1+notify']);
  takePrivileged(h);
  const options = xml('publish-options', {}, submitForm(`${NS_PUBSUB}#publish-options`, {
    'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#access_model': 'whitelist',
  }));
  for (const room of ['a@muc.localhost', 'b@muc.localhost']) {
    const answer = await delegated(h, `${JULIET}/phone`, JULIET, 'set', pubsub(xml('publish', { node: 'urn:xmpp:bookmarks:1' }, xml('item', { id: room }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', autojoin: 'true' }))), options));
    expect(answer.attrs.type).toBe('result');
  }
  const items = await delegated(h, `${JULIET}/laptop`, JULIET, 'get', pubsub(xml('items', { node: 'urn:xmpp:bookmarks:1' })));
  expect(itemIds(items.getChild('pubsub', NS_PUBSUB)?.getChild('items')).sort()).toEqual(['a@muc.localhost', 'b@muc.localhost']);
  expect(takePrivileged(h).map((e) => e.attrs.to)).toEqual([`${JULIET}/laptop`, `${JULIET}/laptop`]);
});

test('a contact coming online with +notify caps gets the last item; a replica copy sends nothing', async () => {
  const h = createHarness();
  befriend(h);
  await publishTune(h, JULIET, 'Gabriel');
  await online(h, `${ROMEO}/replica`, [`${TUNE}+notify`], { replica: true });
  expect(takePrivileged(h)).toHaveLength(0);
  await online(h, `${ROMEO}/balcony`, [`${TUNE}+notify`]);
  const last = takePrivileged(h);
  expect(last.map((m) => [m.attrs.from, m.attrs.to])).toEqual([[JULIET, `${ROMEO}/balcony`]]);
  await online(h, `${NURSE}/kitchen`, [`${TUNE}+notify`]); // nurse has no subscription to juliet
  expect(takePrivileged(h)).toHaveLength(0);
});

test('XEP-0115 §5.2: the verification string of the spec\'s simple example', () => {
  const query = xml('query', { xmlns: NS_DISCO_INFO },
    xml('identity', { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }),
    ['http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc'].map((v) => xml('feature', { var: v })));
  expect(capsVer(query, 'sha-1')).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
});

test('XEP-0163 §6.2: a contact\'s disco#info of the account shows the PEP identity; a stranger gets service-unavailable', async () => {
  const h = createHarness();
  befriend(h);
  const contact = await delegated(h, `${ROMEO}/balcony`, JULIET, 'get', xml('query', { xmlns: NS_DISCO_INFO }));
  const identities = contact.getChild('query', NS_DISCO_INFO)!.getChildren('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`);
  expect(identities).toEqual(['account/registered', 'pubsub/pep']);
  const stranger = await delegated(h, `${NURSE}/kitchen`, JULIET, 'get', xml('query', { xmlns: NS_DISCO_INFO }));
  expect(errorOf(stranger)).toBe('service-unavailable');
});

test('XEP-0411: XEP-0048 bookmarks over PEP and XEP-0402 bookmarks are kept in step both ways', async () => {
  const h = createHarness();
  const legacy = xml('storage', { xmlns: 'storage:bookmarks' },
    xml('conference', { jid: 'a@muc.localhost', name: 'A', autojoin: 'true' }, xml('nick', {}, 'Jule')),
    xml('conference', { jid: 'b@muc.localhost', name: 'B' }));
  expect((await delegated(h, `${JULIET}/old`, JULIET, 'set', pubsub(xml('publish', { node: 'storage:bookmarks' }, xml('item', { id: 'current' }, legacy))))).attrs.type).toBe('result');
  const modern = await h.store.getItems(JULIET, 'urn:xmpp:bookmarks:1', { max: 10 });
  expect(modern.items.map((i) => i.id).sort()).toEqual(['a@muc.localhost', 'b@muc.localhost']);
  expect(modern.items.find((i) => i.id === 'a@muc.localhost')!.payload).toContain('<nick>Jule</nick>');
  expect((await h.store.getNode(JULIET, 'urn:xmpp:bookmarks:1'))!.config.accessModel).toBe('whitelist');

  await delegated(h, `${JULIET}/new`, JULIET, 'set', pubsub(xml('publish', { node: 'urn:xmpp:bookmarks:1' }, xml('item', { id: 'c@muc.localhost' }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'C', autojoin: 'false' })))));
  await delegated(h, `${JULIET}/new`, JULIET, 'set', pubsub(xml('retract', { node: 'urn:xmpp:bookmarks:1' }, xml('item', { id: 'b@muc.localhost' }))));
  const converted = (await h.store.getItems(JULIET, 'storage:bookmarks', { max: 1 })).items[0]!.payload;
  expect([...converted.matchAll(/jid="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(['a@muc.localhost', 'c@muc.localhost']);
});
