// Interop: Pampero's PubSub component (XEP-0060) attached to a real Prosody through a
// `Component "pubsub.localhost"` entry (test/support/prosody.ts starts Debian's Prosody from a
// temp directory). Users registered in Prosody create a node, subscribe, publish and receive the
// event notification, every stanza passing through Prosody. Skipped (with the reason) only where
// Prosody is not installed.
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import { startPubsubComponent, type RunningPubsubComponent } from '../../components/pubsub/index.js';
import { openLmdbPubsubStore } from '../../shared/storage/lmdb/pubsub-store.js';
import { nextStanza } from '../support/next-stanza.js';
import { describeWithProsody, startProsody, type RunningProsody, type XmppClient } from '../support/prosody.js';

const whenProsody = describeWithProsody('prosody-pubsub.test.ts');

const DOMAIN = 'localhost';
const SERVICE = `pubsub.${DOMAIN}`;
const SECRET = 'prosody-pubsub-secret';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NS_OWNER = 'http://jabber.org/protocol/pubsub#owner';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';

let prosody: RunningProsody | undefined;
let pubsub: RunningPubsubComponent | undefined;
let closeStore: (() => Promise<void>) | undefined;

const request = (xmpp: XmppClient, type: 'get' | 'set', payload: any) => xmpp.iqCaller.request(xml('iq', { type, to: SERVICE }, payload));

whenProsody('the PubSub component attached to Prosody', () => {
  beforeAll(async () => {
    prosody = await startProsody({ domain: DOMAIN, components: [SERVICE], secret: SECRET, users: ['alice', 'bob'] });
    const opened = openLmdbPubsubStore(join(prosody.dir, 'pampero'));
    closeStore = opened.close;
    pubsub = await startPubsubComponent({ ...prosody.componentLink(SERVICE), store: opened.store });
  }, 40_000);

  afterAll(async () => {
    await pubsub?.stop();
    await closeStore?.();
    await prosody?.stop();
  });

  test("Prosody's users create a node, subscribe, publish and receive the notification", async () => {
    const alice = await prosody!.connect('alice');
    const bob = await prosody!.connect('bob');

    const info = await bob.iqCaller.request(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query').getChild('identity').attrs).toMatchObject({ category: 'pubsub', type: 'service' });

    await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('create', { node: 'heath' })));
    const subscribed = await request(bob, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('subscribe', { node: 'heath', jid: bob.jid!.toString() })));
    expect(subscribed.getChild('pubsub').getChild('subscription').attrs).toMatchObject({ node: 'heath', subscription: 'subscribed' });

    const notified = nextStanza(bob, (el) => el.is('message') && el.getChild('event', NS_EVENT) !== undefined);
    const entry = xml('entry', { xmlns: 'http://www.w3.org/2005/Atom' }, xml('title', {}, 'Fair is foul'));
    await request(alice, 'set', xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node: 'heath' }, xml('item', { id: 'act1' }, entry))));
    const event = await notified;
    expect(event.attrs.from).toBe(SERVICE);
    const item = event.getChild('event', NS_EVENT).getChild('items').getChild('item');
    expect(event.getChild('event', NS_EVENT).getChild('items').attrs.node).toBe('heath');
    expect(item.attrs.id).toBe('act1');
    expect(item.getChild('entry').getChildText('title')).toBe('Fair is foul');

    // Only the owner may delete; Prosody carries the component's error back unchanged.
    await expect(request(bob, 'set', xml('pubsub', { xmlns: NS_OWNER }, xml('delete', { node: 'heath' })))).rejects.toMatchObject({ condition: 'forbidden' });
  }, 30_000);
});
