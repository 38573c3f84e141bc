// Crashes inside a fleet (real processes: redis-server, 2 routers, roster/MUC/PubSub instances,
// 2 gateways). kill -9 of a router: the components it held reattach to the other router (their
// component.service lists both) and the service comes back for the clients. kill -9 of the MUC
// instance holding a room: the room moves to the other instance (rendezvous hashing over the
// live links), the clients re-join after a XEP-0410 self-ping, and messages after the move are
// delivered.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { client, xml } from '@xmpp/client';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { freeFleetBase } from '../support/fleet-ports.js';
import { freePort } from '../support/free-port.js';
import { nextStanza } from '../support/next-stanza.js';
import { isBuilt, runPampero, startPampero, type PamperoProcess } from '../support/pampero-process.js';
import { startLocalFleet, type RunningFleet } from '../../cli/local-fleet.js';
import { configFromObject } from '../../shared/config/index.js';
import { readClusterView } from '../../shared/cluster/cluster-view.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
type XmppClient = ReturnType<typeof client>;
const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;
const LAYOUT = { gateways: 2, routers: 2, instances: 1 };
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

const codes = (el: any): number[] => (el.getChild('x', MUC_USER)?.getChildren('status') ?? []).map((s: any) => Number(s.attrs.code));

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeWhenPossible('crashes in a fleet', () => {
  let dataDir: string;
  let fleet: RunningFleet;
  let redisServer: TestRedis;
  let base: number;
  let muc2: PamperoProcess | undefined;
  let muc2Http = 0;
  const clients: XmppClient[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-crash-'));
    for (const user of ['alice', 'bob']) {
      expect((await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir])).code).toBe(0);
    }
    redisServer = await spawnRedis();
    base = await freeFleetBase(LAYOUT);
    const config = configFromObject({ dataDir, c2s: { allowPlainFromLoopback: true }, log: { level: 'warn' } });
    fleet = await startLocalFleet(config, { ...LAYOUT, basePort: base, redisUrl: redisServer.url }, () => undefined);
    // A second MUC instance, as the fleet starts the first but attached to the other router first.
    const muc1 = fleet.processes.find((p) => p.name === 'muc-1')!;
    muc2Http = await freePort();
    const routers = muc1.env.PAMPERO_COMPONENT__SERVICE!.split(',');
    muc2 = await startPampero({ ...muc1.env, PAMPERO_CLUSTER__NODE_ID: 'muc-2', PAMPERO_HTTP_PORT: String(muc2Http), PAMPERO_COMPONENT__SERVICE: [...routers].reverse().join(',') }, muc2Http);
  }, 80_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    await muc2?.stop();
    await fleet?.stop();
    await redisServer?.stop();
    if (!process.env.KEEP_FLEET_LOGS) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function connect(gateway: number, username: string): Promise<XmppClient> {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${base + 200 + gateway * 10}`, domain: 'localhost', resource: 'r', username, password: `${username}-pw` });
    xmpp.on('error', () => {});
    clients.push(xmpp);
    await xmpp.start();
    await xmpp.send(xml('presence'));
    return xmpp;
  }

  async function componentsOf(node: string): Promise<string[]> {
    const redis = new Redis(redisServer.url);
    try {
      return (await readClusterView(redis)).find((n) => n.id === node)?.components ?? [];
    } finally {
      redis.disconnect();
    }
  }

  test('kill -9 of a router: its components reattach to the other router and rosters are served again', async () => {
    const alice = await connect(1, 'alice');
    const rosterGet = () => alice.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })), 2000);
    await rosterGet();
    // roster-1 and pubsub-1 are attached to router-1 first (round-robin), muc-1 to router-2.
    await until('router-1 reports the roster component', async () => ((await componentsOf('router-1')).includes('roster.localhost') ? true : undefined), 10_000);

    const router1 = fleet.processes.find((p) => p.name === 'router-1')!;
    router1.child.kill('SIGKILL');
    await new Promise((r) => router1.child.once('exit', r));

    await until('roster and pubsub reattached to router-2', async () => {
      const on2 = await componentsOf('router-2');
      return on2.includes('roster.localhost') && on2.includes('pubsub.localhost') ? true : undefined;
    }, 15_000);
    // Once router-1 is declared dead (3 heartbeats) its stale links are gone: the roster answers again.
    await until('roster get answered', async () => ((await rosterGet()) ? true : undefined), 20_000);
    // Restarted, router-1 is back in the fleet (it has no components until one moves to it).
    await fleet.restart('router-1');
  }, 60_000);

  test('kill -9 of the MUC instance holding a room: the room moves and the conversation goes on', async () => {
    const alice = clients[0] ?? (await connect(1, 'alice'));
    const bob = await connect(2, 'bob');
    const room = 'crash@conference.localhost';
    const enter = async (who: XmppClient, nick: string) => {
      const self = nextStanza(who, (el) => el.is('presence') && el.attrs.from === `${room}/${nick}` && codes(el).includes(110), 10_000);
      await who.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
      return self;
    };
    const say = async (from: XmppClient, to: XmppClient, body: string) => {
      const heard = nextStanza(to, (el) => el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === body, 10_000);
      await from.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body)));
      return heard;
    };
    await enter(alice, 'Alice');
    const form = xml(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${MUC}#roomconfig`)),
      xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1')),
    );
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, form)), 10_000);
    await enter(bob, 'Bob');
    await say(alice, bob, 'before the crash');

    // Which instance holds the room: the one whose metrics counted its stanzas.
    const muc1 = fleet.processes.find((p) => p.name === 'muc-1')!;
    const stanzas = async (port: number) =>
      (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('pampero_muc_stanzas_total'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    const onFirst = (await stanzas(muc1.httpPort)) > 0;
    if (onFirst) {
      muc1.child.kill('SIGKILL');
      await new Promise((r) => muc1.child.once('exit', r));
    } else {
      await muc2!.kill9();
    }

    // XEP-0410 self-ping: the room now lives on the other instance, where Alice is no occupant.
    const ping = await until('self-ping answered by the other instance', async () =>
      alice.iqCaller
        .request(xml('iq', { type: 'get', to: `${room}/Alice` }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 3000)
        .then(() => undefined, (err: any) => (err?.condition === 'not-acceptable' ? 'moved' : undefined)),
    15_000);
    expect(ping).toBe('moved');
    expect(codes(await enter(alice, 'Alice'))).not.toContain(201); // loaded from storage, not created anew
    await enter(bob, 'Bob');
    const heard = await say(bob, alice, 'after the crash');
    expect(heard.attrs.from).toBe(`${room}/Bob`);
    expect(await stanzas(onFirst ? muc2Http : muc1.httpPort)).toBeGreaterThan(0);
  }, 60_000);
});
