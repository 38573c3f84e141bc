// Interop: Pampero's MUC component attached to a real Prosody (Debian's `prosody`, installed by
// scripts/test-setup.sh) through a `Component "conference.localhost"` entry with a
// component_secret. Prosody runs from a temp directory on free loopback ports; two users
// registered with prosodyctl log in to Prosody with @xmpp/client and chat in a room that lives
// in the Pampero component. Skipped (with the reason) only where Prosody is not installed.
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import { startMucComponent, type RunningMucComponent } from '../../components/muc/index.js';
import { openLmdbMucRoomStore } from '../../shared/storage/lmdb/muc-room-store.js';
import type { MucRoomStore } from '../../shared/storage/types.js';
import { nextStanza } from '../support/next-stanza.js';
import { describeWithProsody, startProsody, type RunningProsody, type XmppClient } from '../support/prosody.js';

const whenProsody = describeWithProsody('prosody-muc.test.ts');

const DOMAIN = 'localhost';
const SERVICE = `conference.${DOMAIN}`;
const SECRET = 'prosody-component-secret';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

let prosody: RunningProsody | undefined;
let muc: RunningMucComponent | undefined;
let rooms: (MucRoomStore & { close(): Promise<void> }) | undefined;

const codes = (el: any): number[] => (el.getChild('x', MUC_USER)?.getChildren('status') ?? []).map((s: any) => Number(s.attrs.code));

async function enter(xmpp: XmppClient, room: string, nick: string): Promise<any> {
  const self = nextStanza(xmpp, (el) => el.is('presence') && el.attrs.from === `${room}/${nick}` && codes(el).includes(110));
  await xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
  return self;
}

whenProsody('the MUC component attached to Prosody', () => {
  beforeAll(async () => {
    prosody = await startProsody({ domain: DOMAIN, components: [SERVICE], secret: SECRET, users: ['alice', 'bob'] });
    rooms = await openLmdbMucRoomStore(join(prosody.dir, 'pampero'));
    muc = await startMucComponent({ ...prosody.componentLink(SERVICE), rooms });
  }, 40_000);

  afterAll(async () => {
    await muc?.stop();
    await rooms?.close();
    await prosody?.stop();
  });

  test("Prosody's users discover the service, create a room, chat and exchange a private message", async () => {
    const alice = await prosody!.connect('alice');
    const bob = await prosody!.connect('bob');

    // Prosody lists its components in the server's disco#items; ours answers disco#info.
    const info = await bob.iqCaller.request(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query').getChild('identity').attrs).toMatchObject({ category: 'conference', type: 'text' });

    const room = `blasted-heath@${SERVICE}`;
    expect(codes(await enter(alice, room, 'First Witch'))).toEqual(expect.arrayContaining([110, 201]));
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));

    const aliceSeesBob = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Second Witch`);
    await enter(bob, room, 'Second Witch');
    await aliceSeesBob;

    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'When shall we two meet again?');
    await alice.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'When shall we two meet again?')));
    expect((await atBob).attrs.from).toBe(`${room}/First Witch`);

    const pm = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'When the hurlyburly’s done');
    await bob.send(xml('message', { to: `${room}/First Witch`, type: 'chat' }, xml('body', {}, 'When the hurlyburly’s done')));
    expect((await pm).attrs.from).toBe(`${room}/Second Witch`);

    // Prosody sends unavailable to the rooms a user is in when its session ends.
    const bobLeft = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Second Witch` && el.attrs.type === 'unavailable');
    await bob.stop();
    await bobLeft;
  }, 30_000);
});
