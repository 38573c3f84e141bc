// Message Carbons (XEP-0280) between resources of one user on different gateways of a fleet, as on
// one node: the carbons flag is in the session directory record every node sees (docs/cluster.md,
// shared/cluster/session-registry.ts), and copies go through the same cross-node delivery as any
// message. Real `pampero` processes on one Redis and one data directory, @xmpp/client.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { isBuilt, type PamperoProcess } from '../support/pampero-process.js';
import { addFleetUsers, carbonBody, sleep, startFleetGateway, waitFor } from '../support/fleet-gateway.js';

const describeWithProcesses = hasRedisServer() && isBuilt() ? describe : describe.skip;
const CARBONS = 'urn:xmpp:carbons:2';

interface Client {
  xmpp: any;
  stanzas: any[];
}



describeWithProcesses('message carbons across gateways (real processes, @xmpp/client)', () => {
  let redisServer: TestRedis;
  let dataDir: string;
  const procs: PamperoProcess[] = [];
  const clients: Client[] = [];

  async function startGateway(name: string): Promise<number> {
    const { proc, c2s } = await startFleetGateway(name, dataDir, redisServer.url);
    procs.push(proc);
    return c2s;
  }

  async function connect(username: string, resource: string, port: number): Promise<Client> {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', username, password: `${username}-pw`, resource });
    const c: Client = { xmpp, stanzas: [] };
    clients.push(c);
    xmpp.on('error', () => undefined);
    xmpp.on('stanza', (el: any) => c.stanzas.push(el));
    await xmpp.start();
    return c;
  }

  beforeAll(async () => {
    redisServer = await spawnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-carbons-fleet-'));
    await addFleetUsers(dataDir, ['alice', 'carol']);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.xmpp.stop().catch(() => undefined)));
    for (const p of procs) await p.stop();
    await redisServer?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  test('a resource with carbons on another gateway gets sent and received copies, and none once it disables them', async () => {
    const one = await startGateway('gw-1');
    const two = await startGateway('gw-2');
    // carol's phone and alice on gateway 1; carol's desk (carbons on, no presence sent) on gateway 2.
    const phone = await connect('carol', 'phone', one);
    const alice = await connect('alice', 'web', one);
    const desk = await connect('carol', 'desk', two);
    await desk.xmpp.iqCaller.set(xml('enable', { xmlns: CARBONS }));
    await sleep(500); // the directory event reaches gateway 1
    const [phoneJid, aliceJid, deskJid] = [phone, alice, desk].map((c) => String(c.xmpp.jid));
    const chat = (from: Client, to: string, body: string) => from.xmpp.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
    const carbons = () => desk.stanzas.filter((s) => carbonBody(s, 'sent') !== undefined || carbonBody(s, 'received') !== undefined).length;

    await chat(phone, aliceJid, 'from-phone');
    await waitFor(() => desk.stanzas.some((s) => carbonBody(s, 'sent') === 'from-phone'), 8000, 'the sent carbon on gateway 2');
    await chat(alice, phoneJid, 'to-phone');
    await waitFor(() => desk.stanzas.some((s) => carbonBody(s, 'received') === 'to-phone'), 8000, 'the received carbon on gateway 2');
    await waitFor(() => alice.stanzas.some((s) => s.getChildText?.('body') === 'from-phone'), 8000, 'the message itself');
    await waitFor(() => phone.stanzas.some((s) => s.getChildText?.('body') === 'to-phone'), 8000, 'the message itself');
    expect(carbons()).toBe(2); // once each

    // After initial presence the flag stays (it moves to the record's presence part).
    await desk.xmpp.send(xml('presence'));
    await sleep(500);
    await chat(phone, aliceJid, 'while-available');
    await waitFor(() => desk.stanzas.some((s) => carbonBody(s, 'sent') === 'while-available'), 8000, 'the sent carbon once available');

    // Disabled: no more copies. A direct message after them, on the same inbox, marks the end.
    await desk.xmpp.iqCaller.set(xml('disable', { xmlns: CARBONS }));
    await sleep(500);
    const before = carbons();
    await chat(phone, aliceJid, 'unseen-sent');
    await chat(alice, phoneJid, 'unseen-received');
    await waitFor(() => phone.stanzas.some((s) => s.getChildText?.('body') === 'unseen-received'), 8000, 'the message to the phone');
    await chat(alice, deskJid, 'marker');
    await waitFor(() => desk.stanzas.some((s) => s.getChildText?.('body') === 'marker'), 8000, 'the marker');
    expect(carbons()).toBe(before);
  }, 90_000);
});
