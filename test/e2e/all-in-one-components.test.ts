// The all-in-one attaches its roster, MUC and PubSub components: a real client gets its roster,
// creates a room and chats in it with nothing but `npm start`'s defaults — with the bundled
// components on the in-process link (the default) and on real XEP-0114 sockets on loopback
// (components.bundledLink = socket), which must behave the same.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.each(['in-process', 'socket'] as const)('bundled components over the %s link', (bundledLink) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ components: { bundledLink } as never });
    await server.addUser('olga', 'olga-pw');
  });
  afterAll(async () => {
    await server.stop();
  });

  test('a roster set is pushed and the next get returns the item with a new version (roster component)', async () => {
    const olga = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'olga', password: 'olga-pw', resource: 'r' });
    expect(server.config.components.bundledLink).toBe(bundledLink);
    olga.on('error', () => {});
    const pushes: any[] = [];
    olga.on('stanza', (el: any) => el.is('iq') && el.attrs.type === 'set' && el.getChild('query', 'jabber:iq:roster') && pushes.push(el));
    await olga.start();
    const first = await olga.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster', ver: '' })));
    const ver = first.getChild('query', 'jabber:iq:roster').attrs.ver;
    await olga.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: `pia@${server.domain}`, name: 'Pia & co' }))));
    for (let i = 0; i < 100 && pushes.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pushes[0].getChild('query').getChild('item').attrs.name).toBe('Pia & co');
    const second = await olga.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster', ver })));
    const query = second.getChild('query', 'jabber:iq:roster');
    expect(query.attrs.ver).not.toBe(ver);
    expect(query.getChildren('item').map((i: any) => [i.attrs.jid, i.attrs.name, i.attrs.subscription])).toEqual([[`pia@${server.domain}`, 'Pia & co', 'none']]);
    await olga.stop();
  });

  test('the bundled MUC and PubSub services are discoverable and a room works', async () => {
    const olga = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'olga', password: 'olga-pw', resource: 'm' });
    olga.on('error', () => {});
    const stanzas: any[] = [];
    olga.on('stanza', (el: any) => stanzas.push(el));
    await olga.start();
    const items = await olga.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.getChild('query').getChildren('item').map((i: any) => i.attrs.jid)).toEqual(expect.arrayContaining([`conference.${server.domain}`, `pubsub.${server.domain}`]));
    const room = `tea@conference.${server.domain}`;
    await olga.send(xml('presence', { to: `${room}/olga` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const until = async (match: (el: any) => boolean) => {
      for (let i = 0; i < 100 && !stanzas.some(match); i++) await new Promise((r) => setTimeout(r, 50));
      return stanzas.find(match);
    };
    const self = await until((el) => el.is('presence') && el.attrs.from === `${room}/olga`);
    const codes = self.getChild('x', 'http://jabber.org/protocol/muc#user').getChildren('status').map((s: any) => s.attrs.code);
    expect(codes).toEqual(expect.arrayContaining(['110', '201']));
    await olga.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    await olga.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'first!')));
    const echo = await until((el) => el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === 'first!');
    expect(echo.attrs.from).toBe(`${room}/olga`);
    await olga.stop();
  });
});
