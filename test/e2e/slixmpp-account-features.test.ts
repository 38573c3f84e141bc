// End-to-end with slixmpp's own plugins (python3-slixmpp): xep_0054 vCards, xep_0049 private XML,
// xep_0012 last activity and xep_0191 blocking against the all-in-one; the peer is @xmpp/client.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const script = fileURLToPath(new URL('./slixmpp_account_features.py', import.meta.url));
type XmppClient = ReturnType<typeof client>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['slix', 'peer', 'gone', 'stranger']) await server.addUser(name, `${name}-pw`);
});
afterAll(async () => {
  await server.stop();
});

function connect(username: string, resource: string): XmppClient {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource, username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  return xmpp;
}
const jid = (name: string) => `${name}@${server.domain}`;

test('slixmpp xep_0054, xep_0049, xep_0012 and xep_0191 work against Pampero', async () => {
  // The peer has a vCard and stays online; "gone" lets slix see its presence, then logs out.
  const peer = connect('peer', 'js');
  await peer.start();
  await peer.send(xml('presence'));
  await peer.iqCaller.request(xml('iq', { type: 'set' }, xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Peer JS'))));
  const [slixSetup, gone] = [connect('slix', 'setup'), connect('gone', 'js')];
  await Promise.all([slixSetup.start(), gone.start()]);
  await Promise.all([slixSetup.send(xml('presence')), gone.send(xml('presence'))]);
  const asked = nextStanza(gone, (el) => el.is('presence') && el.attrs.type === 'subscribe');
  await slixSetup.send(xml('presence', { to: jid('gone'), type: 'subscribe' }));
  await asked;
  const approved = nextStanza(slixSetup, (el) => el.is('presence') && el.attrs.type === 'subscribed');
  await gone.send(xml('presence', { to: jid('slix'), type: 'subscribed' }));
  await approved;
  await gone.send(xml('presence', { type: 'unavailable' }, xml('status', {}, 'Heading Home')));
  await gone.stop();
  await slixSetup.stop();

  const child = spawn('/usr/bin/python3', [script, `${jid('slix')}/py`, 'slix-pw', String(server.c2sPort), jid('peer'), jid('gone'), jid('stranger')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const peerErrors: string[] = [];
  const result = await new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`slixmpp timed out: ${stderr.slice(-2000)}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let parsed: Record<string, any>;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (parsed.step === 'blocked') {
        void (async () => {
          const bounced = nextStanza(peer, (el) => el.is('message') && el.attrs.type === 'error');
          await peer.send(xml('message', { to: jid('slix'), type: 'chat' }, xml('body', {}, 'while blocked')));
          peerErrors.push((await bounced).getChild('error').getChildElements()[0].name);
          child.stdin.write('go\n');
        })().catch(reject);
      } else if (parsed.step === 'unblocked') {
        void peer.send(xml('message', { to: `${jid('slix')}/py`, type: 'chat' }, xml('body', {}, 'after unblock')));
      } else {
        clearTimeout(timer);
        resolve(parsed);
      }
    });
  });
  await peer.stop();
  if (child.exitCode === null) child.kill();
  expect(result.exception).toBeUndefined();
  expect(result.vcard).toEqual({ own: 'Slix Py', peer: 'Peer JS' });
  expect(result.private).toEqual({ nick: 'Hamlet', reserved: 'not-acceptable' });
  expect(result.last).toMatchObject({ status: 'Heading Home', stranger: 'forbidden' });
  expect(result.last.seconds).toBeGreaterThanOrEqual(0);
  expect(result.last.uptime).toBeGreaterThanOrEqual(0);
  expect(result.blocking).toEqual({
    before: [],
    after: [jid('peer')],
    pushes: [['block', [jid('peer')]], ['unblock', [jid('peer')]]],
    errors: [['not-acceptable', true]],
    bodies: ['after unblock'],
  });
  expect(peerErrors).toEqual(['service-unavailable']);
}, 90_000);
