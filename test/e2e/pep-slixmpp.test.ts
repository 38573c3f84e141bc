// End-to-end PEP with slixmpp's xep_0060 / xep_0163 (with xep_0115 caps, xep_0118 tune,
// xep_0084 avatar, xep_0223 private storage, xep_0048 bookmarks converted by XEP-0411) against an @xmpp/client contact, driven by
// slixmpp_pep_client.py (see slixmpp.test.ts for how python is run).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { withStores } from '../../cli/with-stores.js';
import { capsVer } from '../../components/pubsub/caps-hash.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const script = fileURLToPath(new URL('./slixmpp_pep_client.py', import.meta.url));
const TUNE = 'http://jabber.org/protocol/tune';
const NS_EVENT = 'http://jabber.org/protocol/pubsub#event';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

let server: TestServer;
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
});
afterAll(async () => {
  await server.stop();
});

function runSlixmpp(): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, `slix@${server.domain}/py`, 'slix-pw', String(server.c2sPort), `juliet@${server.domain}`], { timeout: 40_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...JSON.parse(line), stderr: stderr.slice(-1500) });
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}

test('slixmpp gets a contact\'s last tune on login, publishes its own to the contact, and is refused another user\'s PEP', async () => {
  const juliet = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'juliet', password: 'juliet-pw', resource: 'js' });
  juliet.on('error', () => {});
  const info = () => xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'client', type: 'pc', name: 'js' }), xml('feature', { var: `${TUNE}+notify` }));
  juliet.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: any) => Object.assign(info(), { attrs: { ...info().attrs, node: ctx.element.attrs.node } }));
  await juliet.start();
  try {
    await juliet.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'urn:js', ver: capsVer(info(), 'sha-1') })));
    await juliet.iqCaller.request(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' },
      xml('publish', { node: TUNE }, xml('item', { id: 'current' }, xml('tune', { xmlns: TUNE }, xml('title', {}, 'Gabriel'), xml('artist', {}, 'Juliet')))))));
    const slixTune = nextStanza(juliet, (el: any) => el.is('message') && el.attrs.from === `slix@${server.domain}` && el.getChild('event', NS_EVENT)?.getChild('items')?.attrs.node === TUNE, 30_000);
    const result = await runSlixmpp();
    expect(result).toMatchObject({
      caps_notify: true,
      peer_tune: 'Gabriel',
      published: true,
      peer_items: ['current'],
      foreign_publish: 'forbidden',
      avatar_metadata: true,
      private: 'only mine',
      converted_bookmarks: ['lobby@conference.localhost'],
    });
    const event = await slixTune;
    expect(event.getChild('event').getChild('items').getChild('item').getChild('tune', TUNE).getChildText('title')).toBe('From Python');
  } finally {
    await juliet.stop();
  }
}, 60_000);
