// A session resumed on another gateway of a fleet keeps its Message Carbons (XEP-0280) and its
// Client State Indication (XEP-0352), as a session resumed on its own gateway does
// (docs/cluster.md, "Resumption on any gateway"; shared/cluster/resumed-client-state.ts). Real
// `pampero` processes on one Redis and one data directory (message archive on), and @xmpp/client,
// which resumes by itself (XEP-0198) when its gateway stops and it reconnects to the other one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { isBuilt, type PamperoProcess } from '../support/pampero-process.js';
import { addFleetUsers, carbonBody, sleep, startFleetGateway, waitFor } from '../support/fleet-gateway.js';

const describeWithProcesses = hasRedisServer() && isBuilt() ? describe : describe.skip;
const CARBONS = 'urn:xmpp:carbons:2';
const CHAT_STATES = 'http://jabber.org/protocol/chatstates';

interface Client {
  xmpp: any;
  /** Every stanza received, in order. */
  stanzas: any[];
}



describeWithProcesses('carbons and CSI across a resumption on another gateway (real processes, @xmpp/client)', () => {
  let redisServer: TestRedis;
  let dataDir: string;
  const gateways: Array<{ proc: PamperoProcess; c2s: number }> = [];
  const clients: Client[] = [];

  async function startGateway(name: string): Promise<{ proc: PamperoProcess; c2s: number }> {
    const gateway = await startFleetGateway(name, dataDir, redisServer.url); // archive on: both write one LMDB environment
    gateways.push(gateway);
    return gateway;
  }

  async function connect(username: string, resource: string, port: number): Promise<Client> {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', username, password: `${username}-pw`, resource });
    const c: Client = { xmpp, stanzas: [] };
    clients.push(c);
    xmpp.on('error', () => undefined); // the stopping gateway's stream error; the client reconnects by itself
    xmpp.on('stanza', (el: any) => c.stanzas.push(el));
    await xmpp.start();
    const sm = xmpp.streamManagement;
    await waitFor(() => sm.enabled && sm.id !== '', 5000, `${username}/${resource} stream management`); // <enabled/> may come just after 'online'
    return c;
  }

  beforeAll(async () => {
    redisServer = await spawnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-resume-state-'));
    await addFleetUsers(dataDir, ['alice', 'carol']);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.xmpp.stop().catch(() => undefined)));
    for (const g of gateways) await g.proc.stop();
    await redisServer?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  test('a client with carbons on and inactive resumes on another gateway: it still gets carbon copies and stays inactive', async () => {
    const [one, two] = [await startGateway('gw-1'), await startGateway('gw-2')];
    const phone = await connect('carol', 'phone', one.c2s);
    const desk = await connect('carol', 'desk', one.c2s);
    const alice = await connect('alice', 'web', one.c2s);
    await phone.xmpp.iqCaller.set(xml('enable', { xmlns: CARBONS }));
    await phone.xmpp.send(xml('inactive', { xmlns: 'urn:xmpp:csi:0' }));
    const chat = (from: Client, to: string, body: string) => from.xmpp.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
    const composing = (to: string) => alice.xmpp.send(xml('message', { to, type: 'chat' }, xml('composing', { xmlns: CHAT_STATES })));
    // Full JIDs as bound (with SASL2/Bind 2 the server picks the resource: XEP-0386).
    const [phoneJid, deskJid, aliceJid] = [phone, desk, alice].map((c) => String(c.xmpp.jid));
    const bodies = (c: Client, from = 0) => c.stanzas.slice(from).map((s) => (s.is('message') ? s.getChildText('body') : null)).filter(Boolean);
    const chatStates = (c: Client, from = 0) => c.stanzas.slice(from).filter((s) => s.is('message') && s.getChild('composing', CHAT_STATES)).length;

    // On gateway 1: carbons reach the phone, and being inactive it is spared a bare chat state.
    await chat(alice, deskJid, 'before');
    await waitFor(() => phone.stanzas.some((s) => carbonBody(s, 'received') === 'before'), 8000, 'the carbon on gateway 1');
    await composing(phoneJid);
    await chat(alice, phoneJid, 'ping-1');
    await waitFor(() => bodies(phone).includes('ping-1'), 8000, 'ping-1');
    expect(chatStates(phone)).toBe(0);

    // Gateway 1 stops: the sessions are parked in Redis, the clients come back through gateway 2
    // and resume (the phone does not enable carbons nor say <inactive/> again).
    const resumed = [phone, desk, alice].map((c) => {
      c.xmpp.options.service = `xmpp://127.0.0.1:${two.c2s}`;
      c.xmpp.reconnect.delay = 200;
      return new Promise<void>((resolve) => c.xmpp.streamManagement.once('resumed', resolve));
    });
    const mark = phone.stanzas.length;
    await one.proc.stop();
    await Promise.race([Promise.all(resumed), sleep(20_000).then(() => Promise.reject(new Error('the clients did not resume on gateway 2')))]);

    // Carbons: of a message carol's desk receives, and of one it sends.
    await chat(alice, deskJid, 'after');
    await waitFor(() => phone.stanzas.slice(mark).some((s) => carbonBody(s, 'received') === 'after'), 8000, 'the received carbon on gateway 2');
    await chat(desk, aliceJid, 'from-desk');
    await waitFor(() => phone.stanzas.slice(mark).some((s) => carbonBody(s, 'sent') === 'from-desk'), 8000, 'the sent carbon on gateway 2');
    // CSI: still inactive, so the bare chat state is dropped; the message after it arrives.
    await composing(phoneJid);
    await chat(alice, phoneJid, 'ping-2');
    await waitFor(() => bodies(phone, mark).includes('ping-2'), 8000, 'ping-2');
    expect(chatStates(phone, mark)).toBe(0);

    // And <active/> on the new gateway ends it: chat states flow again.
    await phone.xmpp.send(xml('active', { xmlns: 'urn:xmpp:csi:0' }));
    await sleep(200);
    await composing(phoneJid);
    await waitFor(() => chatStates(phone, mark) === 1, 8000, 'a chat state once active');
  }, 90_000);
});
