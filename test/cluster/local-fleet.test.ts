// `pampero cluster up`'s fleet, for real: redis-server, a router, one instance of each component
// and two gateways, each its own process on one data directory. Clients on different gateways
// become contacts, chat and share a MUC room, and `pampero cluster status` shows every node.
import { client, xml } from '@xmpp/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextStanza } from '../support/next-stanza.js';
import { hasRedisServer } from '../support/redis.js';
import { freeFleetBase } from '../../loadtest/shared/fleet-ports.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';
import { startLocalFleet, type RunningFleet } from '../../cli/local-fleet.js';
import { configFromObject } from '../../shared/config/index.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
type XmppClient = ReturnType<typeof client>;
const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;

describeWhenPossible('a local fleet (one process per role)', () => {
  let dataDir: string;
  let fleet: RunningFleet;
  let base: number;
  const clients: XmppClient[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-fleet-'));
    for (const user of ['alice', 'bob']) {
      expect((await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir])).code).toBe(0);
    }
    base = await freeFleetBase({ gateways: 2, routers: 1, instances: 1 });
    // sasl2 off: the clients expect the resource they ask for (Bind 2 makes it `r/…`, docs/sasl2.md).
    const config = configFromObject({ dataDir, c2s: { allowPlainFromLoopback: true }, sasl2: { enabled: false }, log: { level: 'warn' } });
    fleet = await startLocalFleet(config, { gateways: 2, routers: 1, instances: 1, basePort: base, redisUrl: '' }, () => undefined);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    await fleet?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** nextStanza that names the step that timed out. */
  function step<T>(name: string, waiting: Promise<T>): Promise<T> {
    return waiting.catch((err: Error) => {
      throw new Error(`${name}: ${err.message}`);
    });
  }

  function connect(gateway: number, username: string): XmppClient {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${base + 200 + gateway * 10}`, domain: 'localhost', resource: 'r', username, password: `${username}-pw` });
    xmpp.on('error', () => {});
    clients.push(xmpp);
    return xmpp;
  }

  test('cluster status shows the router, the components and both gateways', async () => {
    await new Promise((r) => setTimeout(r, 2500)); // one heartbeat of the last process started
    const { code, stdout } = await runPampero(['cluster', 'status', '--redis', fleet.redisUrl]);
    expect(code).toBe(0);
    for (const node of ['router-1', 'roster-1', 'muc-1', 'pubsub-1', 'gateway-1', 'gateway-2']) expect(stdout).toMatch(new RegExp(`^${node}\\s+\\w+\\s+\\S+\\s+ok`, 'm'));
  });

  test('users on different gateways subscribe to each other, chat and share a room', async () => {
    const alice = connect(1, 'alice');
    const bob = connect(2, 'bob');
    await alice.start();
    await bob.start();
    await alice.send(xml('presence'));
    await bob.send(xml('presence'));
    await new Promise((r) => setTimeout(r, 300));

    // Subscription handshake through the roster component, across gateways.
    const request = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'subscribe', 8000);
    await alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
    await step('subscription request reaches bob', request);
    const aliceSeesBob = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === 'bob@localhost/r' && !el.attrs.type, 8000);
    await bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
    await step("bob's presence reaches alice", aliceSeesBob);
    const roster = await alice.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })), 8000);
    expect(roster.getChild('query').getChildren('item').map((i: any) => [i.attrs.jid, i.attrs.subscription])).toEqual([['bob@localhost', 'to']]);

    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'across', 5000);
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'across')));
    await step('chat message reaches bob', atBob);

    // One room, occupants on two gateways, the MUC component behind the router.
    const room = 'fleet@conference.localhost';
    const aliceIn = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/alice` && el.getChild('x', 'http://jabber.org/protocol/muc#user'), 8000);
    await alice.send(xml('presence', { to: `${room}/alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await step('alice enters the room', aliceIn);
    // A new room stays locked until its owner accepts it (XEP-0045 §10.1.2, instant room).
    await alice.iqCaller.request(
      xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))),
      8000,
    );
    const bobIn = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === `${room}/bob` && el.attrs.type !== 'error', 8000);
    await bob.send(xml('presence', { to: `${room}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await step('bob enters the room', bobIn);
    const groupchat = nextStanza(bob, (el) => el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === 'hello room', 5000);
    await alice.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'hello room')));
    expect((await step('groupchat reaches bob', groupchat)).attrs.from).toBe(`${room}/alice`);
  }, 60_000);
});
