// Federation with other server software: Pampero and Debian's Prosody exchange stanzas over s2s
// (docs/s2s.md) — STARTTLS required both ways (Prosody's s2s_require_encryption, Pampero without
// plain from loopback), each server authenticated by XEP-0220 dialback (Prosody connects back to
// Pampero to verify Pampero's key, and the other way round). Each routes the other's domain to a
// loopback port: Pampero with s2s.routes, Prosody with the test module
// test/support/prosody-plugins/mod_test_s2s_routes.lua (its DNS would need the well-known port).
// A second pair of servers has certificates from a throwaway CA both trust, and Prosody with
// s2s_secure_auth: both directions authenticate by SASL EXTERNAL (RFC 6120 §6, XEP-0178), no dialback.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';
import { freePorts } from '../support/free-port.js';
import { describeWithProsody, startProsody, type RunningProsody, type XmppClient } from '../support/prosody.js';
import { createTestCa, type TestCa } from '../support/test-ca.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const PAMPERO = 'pampero.test';
const PROSODY = 'prosody.test';
let pampero: TestServer;
let prosody: RunningProsody;
const clients: XmppClient[] = [];

describeWithProsody('prosody-s2s.test.ts')('Pampero federates with Prosody', () => {
  beforeAll(async () => {
    const [pamperoS2s] = (await freePorts(1)) as [number];
    prosody = await startProsody({ domain: PROSODY, components: [], secret: 'unused', users: ['romeo'], s2s: { routes: { [PAMPERO]: pamperoS2s } } });
    pampero = await startTestServer({
      domain: PAMPERO,
      s2s: { enabled: true, host: '127.0.0.1', port: pamperoS2s, allowPlainFromLoopback: false, connectTimeoutSeconds: 5, routes: [`${PROSODY}=127.0.0.1:${prosody.s2sPort}`] },
    });
    await pampero.addUser('juliet', 'juliet-pw');
  }, 60_000);

  // Each test logs its users in afresh (the same resources): the last test's sessions go first.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  });

  afterAll(async () => {
    await pampero?.stop();
    await prosody?.stop();
  });

  async function juliet(): Promise<XmppClient> {
    const xmpp = client({ service: `xmpp://127.0.0.1:${pampero.c2sPort}`, domain: PAMPERO, resource: 'balcony', username: 'juliet', password: 'juliet-pw' });
    xmpp.on('error', () => {});
    clients.push(xmpp);
    await xmpp.start();
    await xmpp.send(xml('presence'));
    return xmpp;
  }

  async function romeo(): Promise<XmppClient> {
    const xmpp = await prosody.connect('romeo');
    clients.push(xmpp);
    return xmpp;
  }

  test('a Pampero user and a Prosody user exchange messages both ways', async () => {
    const [j, r] = await Promise.all([juliet(), romeo()]);
    const atRomeo = nextStanza(r, (el) => el.is('message') && el.getChildText('body') === 'wherefore art thou', 20_000);
    await j.send(xml('message', { to: `romeo@${PROSODY}`, type: 'chat' }, xml('body', {}, 'wherefore art thou')));
    expect((await atRomeo).attrs.from).toBe(`juliet@${PAMPERO}/balcony`);

    const atJuliet = nextStanza(j, (el) => el.is('message') && el.getChildText('body') === 'here, below', 20_000);
    await r.send(xml('message', { to: `juliet@${PAMPERO}`, type: 'chat' }, xml('body', {}, 'here, below')));
    expect((await atJuliet).attrs.from).toBe(`romeo@${PROSODY}/p`);
  }, 45_000);

  test('iq ping: Prosody answers for its domain, Pampero for its own', async () => {
    const [j, r] = await Promise.all([juliet(), romeo()]);
    const fromProsody = await j.iqCaller.request(xml('iq', { type: 'get', to: PROSODY }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 20_000);
    expect(fromProsody.attrs).toMatchObject({ type: 'result', from: PROSODY });
    const fromPampero = await r.iqCaller.request(xml('iq', { type: 'get', to: PAMPERO }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 20_000);
    expect(fromPampero.attrs).toMatchObject({ type: 'result', from: PAMPERO });
  }, 45_000);

  test('a subscription handshake across the servers: both rosters agree and presence flows', async () => {
    const [j, r] = await Promise.all([juliet(), romeo()]);
    const request = nextStanza(r, (el) => el.is('presence') && el.attrs.type === 'subscribe', 20_000);
    await j.send(xml('presence', { to: `romeo@${PROSODY}`, type: 'subscribe' }));
    expect((await request).attrs.from).toBe(`juliet@${PAMPERO}`);

    const approved = nextStanza(j, (el) => el.is('presence') && el.attrs.type === 'subscribed' && el.attrs.from === `romeo@${PROSODY}`, 20_000);
    const romeoSeen = nextStanza(j, (el) => el.is('presence') && el.attrs.from === `romeo@${PROSODY}/p` && !el.attrs.type, 20_000);
    await r.send(xml('presence', { to: `juliet@${PAMPERO}`, type: 'subscribed' }));
    await approved;
    await romeoSeen; // Pampero probed romeo after 'subscribed'; Prosody answered with his presence

    const roster = await j.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })), 10_000);
    const item = roster.getChild('query').getChildren('item').find((i: any) => i.attrs.jid === `romeo@${PROSODY}`);
    expect(item?.attrs.subscription).toBe('to');
    const theirs = await r.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })), 10_000);
    const back = theirs.getChild('query').getChildren('item').find((i: any) => i.attrs.jid === `juliet@${PAMPERO}`);
    expect(back?.attrs.subscription).toBe('from');

    const away = nextStanza(j, (el) => el.is('presence') && el.attrs.from === `romeo@${PROSODY}/p` && el.getChildText('show') === 'away', 20_000);
    await r.send(xml('presence', {}, xml('show', {}, 'away')));
    await away;
  }, 60_000);
});

describeWithProsody('prosody-s2s.test.ts')('Pampero and Prosody authenticate each other by certificate (SASL EXTERNAL)', () => {
  const PKI_PAMPERO = 'pki-pampero.test';
  const PKI_PROSODY = 'pki-prosody.test';
  let ca: TestCa;
  let server: TestServer;
  let other: RunningProsody;

  beforeAll(async () => {
    const [pamperoS2s] = (await freePorts(1)) as [number];
    ca = await createTestCa();
    const [pamperoCertificate, prosodyCertificate] = await Promise.all([ca.issue(PKI_PAMPERO, `DNS:${PKI_PAMPERO}`), ca.issue(PKI_PROSODY, `DNS:${PKI_PROSODY}`)]);
    other = await startProsody({
      domain: PKI_PROSODY,
      components: [],
      secret: 'unused',
      users: ['romeo'],
      s2s: { routes: { [PKI_PAMPERO]: pamperoS2s }, certificate: prosodyCertificate, caFile: ca.caFile, secureAuth: true },
    });
    server = await startTestServer({
      domain: PKI_PAMPERO,
      tls: pamperoCertificate,
      s2s: { enabled: true, host: '127.0.0.1', port: pamperoS2s, allowPlainFromLoopback: false, connectTimeoutSeconds: 5, caFile: ca.caFile, routes: [`${PKI_PROSODY}=127.0.0.1:${other.s2sPort}`] },
    });
    await server.addUser('juliet', 'juliet-pw');
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  });

  afterAll(async () => {
    await server?.stop();
    await other?.stop();
    await ca?.remove();
  });

  test('messages cross both ways, and each direction was authenticated by SASL EXTERNAL, not dialback', async () => {
    const j = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: PKI_PAMPERO, resource: 'balcony', username: 'juliet', password: 'juliet-pw' });
    j.on('error', () => {});
    clients.push(j);
    await j.start();
    await j.send(xml('presence'));
    const r = await other.connect('romeo');
    clients.push(r);

    const atRomeo = nextStanza(r, (el) => el.is('message') && el.getChildText('body') === 'by certificate', 20_000);
    await j.send(xml('message', { to: `romeo@${PKI_PROSODY}`, type: 'chat' }, xml('body', {}, 'by certificate')));
    expect((await atRomeo).attrs.from).toBe(`juliet@${PKI_PAMPERO}/balcony`);
    const atJuliet = nextStanza(j, (el) => el.is('message') && el.getChildText('body') === 'and back', 20_000);
    await r.send(xml('message', { to: `juliet@${PKI_PAMPERO}`, type: 'chat' }, xml('body', {}, 'and back')));
    expect((await atJuliet).attrs.from).toBe(`romeo@${PKI_PROSODY}/p`);

    const streams = server.federation!.streams();
    expect(streams.outbound.find((s) => s.remote === PKI_PROSODY)).toMatchObject({ state: 'ready', authenticatedBy: 'sasl-external' });
    expect(streams.inboundPairs).toEqual([{ remote: PKI_PROSODY, local: PKI_PAMPERO, by: 'sasl-external' }]);
  }, 45_000);
});
