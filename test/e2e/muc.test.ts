// XEP-0045 end to end: the MUC component attached over XEP-0114 to the in-process all-in-one,
// users on @xmpp/client over real sockets, rooms stored in the server's LMDB directory.
import { client, xml } from '@xmpp/client';
import { startMucComponent, type RunningMucComponent } from '../../components/muc/index.js';
import { openLmdbMucRoomStore } from '../../shared/storage/lmdb/muc-room-store.js';
import type { MucRoomStore } from '../../shared/storage/types.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

type XmppClient = ReturnType<typeof client>;
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const SECRET = 'muc-secret';

let server: TestServer;
let muc: RunningMucComponent;
let rooms: MucRoomStore & { close(): Promise<void> };
let service: string;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // Not conference.DOMAIN: once the all-in-one starts its own MUC component there, this test's
  // instance would share that domain with it (the router would hash rooms across both).
  service = `rooms.${server.domain}`;
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
  await server.addUser('carol', 'carol-pw');
  await server.addComponent(service, SECRET);
  rooms = await openLmdbMucRoomStore(server.dataDir);
  muc = await startMucComponent({
    service: `xmpp://127.0.0.1:${server.componentPort}`,
    domain: service,
    secret: SECRET,
    serverDomain: server.domain,
    rooms,
    logger: (await import('../../shared/log.js')).createLogger('silent'),
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
});

afterAll(async () => {
  await muc?.stop();
  await rooms?.close();
  await server?.stop();
});

async function connect(username: string): Promise<XmppClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>) => authenticate({ username, password: `${username}-pw` }, 'PLAIN'),
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  await xmpp.send(xml('presence'));
  return xmpp;
}


const codes = (el: any): number[] => (el.getChild('x', MUC_USER)?.getChildren('status') ?? []).map((s: any) => Number(s.attrs.code));
const isSelfPresence = (room: string, nick: string) => (el: any) => el.is('presence') && el.attrs.from === `${room}/${nick}` && codes(el).includes(110);

async function enter(xmpp: XmppClient, room: string, nick: string): Promise<any> {
  const self = nextStanza(xmpp, isSelfPresence(room, nick));
  await xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
  return self;
}

describe('MUC with @xmpp/client', () => {
  test('create a room, two users chat, change nick, private message, kick', async () => {
    const room = `coven@${service}`;
    const alice = await connect('alice');
    const bob = await connect('bob');

    // §10.1: created by entering (201), then configured as an instant room.
    const created = await enter(alice, room, 'Alice');
    expect(codes(created)).toEqual(expect.arrayContaining([110, 201]));
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));

    const aliceSeesBob = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Bob`);
    const subject = nextStanza(bob, (el) => el.is('message') && el.getChild('subject') !== undefined);
    await enter(bob, room, 'Bob');
    await aliceSeesBob;
    await subject;

    // §7.4: reflected to everyone, the sender included.
    const atAlice = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'double, double');
    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'double, double');
    await bob.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'double, double')));
    expect((await atAlice).attrs.from).toBe(`${room}/Bob`);
    expect((await atBob).getChild('occupant-id', 'urn:xmpp:occupant-id:0')).toBeDefined();

    // §7.6: nickname change.
    const renamed = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Bob` && codes(el).includes(303));
    const newSelf = nextStanza(bob, isSelfPresence(room, 'Robert'));
    await bob.send(xml('presence', { to: `${room}/Robert` }));
    expect((await renamed).getChild('x', MUC_USER).getChild('item').attrs.nick).toBe('Robert');
    await newSelf;

    // §7.5: private message through the room.
    const pm = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'toil and trouble');
    await alice.send(xml('message', { to: `${room}/Robert`, type: 'chat' }, xml('body', {}, 'toil and trouble')));
    expect((await pm).attrs.from).toBe(`${room}/Alice`);

    // §8.2: the owner kicks Bob.
    const kicked = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'unavailable' && codes(el).includes(307));
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#admin` }, xml('item', { nick: 'Robert', role: 'none' }, xml('reason', {}, 'Out')))));
    expect((await kicked).getChild('x', MUC_USER).getChild('item').getChildText('reason')).toBe('Out');
  });

  test('service disco, nickname conflict, persistent rooms survive the last occupant', async () => {
    const room = `library@${service}`;
    const alice = await connect('alice');
    const carol = await connect('carol');
    const info = await carol.iqCaller.request(xml('iq', { type: 'get', to: service }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query').getChild('identity').attrs).toMatchObject({ category: 'conference', type: 'text' });

    await enter(alice, room, 'Alice');
    const form = xml(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1')),
      xml('field', { var: 'muc#roomconfig_roomname' }, xml('value', {}, 'Library')),
    );
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, form)));

    const conflict = nextStanza(carol, (el) => el.is('presence') && el.attrs.type === 'error');
    await carol.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: MUC })));
    expect((await conflict).getChild('error').getChild('conflict')).toBeDefined();

    const left = nextStanza(alice, (el) => el.is('presence') && el.attrs.type === 'unavailable' && codes(el).includes(110));
    await alice.send(xml('presence', { to: `${room}/Alice`, type: 'unavailable' }));
    await left;
    expect((await rooms.get(room))?.config.name).toBe('Library');

    const items = await carol.iqCaller.request(xml('iq', { type: 'get', to: service }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.getChild('query').getChildren('item').map((i: any) => i.attrs.jid)).toContain(room);
    const self = await enter(carol, room, 'Carol');
    expect(codes(self)).not.toContain(201);
  });

  test('a user who disconnects leaves the room; a mediated invitation reaches the invitee', async () => {
    const room = `cauldron@${service}`;
    const alice = await connect('alice');
    const bob = await connect('bob');
    const carol = await connect('carol');
    await enter(alice, room, 'Alice');
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));

    const invitation = nextStanza(carol, (el) => el.is('message') && el.getChild('x', MUC_USER)?.getChild('invite'));
    await alice.send(xml('message', { to: room }, xml('x', { xmlns: MUC_USER }, xml('invite', { to: `carol@${server.domain}` }, xml('reason', {}, 'Brew with us')))));
    const invite = (await invitation).getChild('x', MUC_USER).getChild('invite');
    expect(invite.attrs.from).toBe(`alice@${server.domain}`);

    await enter(bob, room, 'Bob');
    // The router sends unavailable on the user's behalf to where it sent directed presence.
    const gone = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Bob` && el.attrs.type === 'unavailable');
    await bob.stop();
    await gone;
  });
});
