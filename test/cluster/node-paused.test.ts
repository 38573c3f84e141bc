// A node stuck past the fleet's down threshold (SIGSTOP, as a long pause would) is reaped: its
// users' contacts are told they are unavailable, and what is sent to them goes to offline storage.
// When it runs again it registers its sessions again: the contacts see the users available again,
// and the messages stored meanwhile reach the connections the users kept. (Resumable sessions are
// parked instead, their contacts told nothing, and taken back: test/faults/node-frozen.test.ts.)
// Two real all-in-one processes on one data directory and one real Redis (heartbeat 0.5 s: down
// after 1.5 s).
import { client, xml } from '@xmpp/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleetGateway, type FleetGateway } from '../support/fleet-gateway.js';
import { nextStanza } from '../support/next-stanza.js';
import { makeMutualContacts } from '../support/mutual-contacts.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
type XmppClient = ReturnType<typeof client>;
const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;

describeWhenPossible('a node paused past the down threshold', () => {
  let redis: TestRedis;
  let dataDir: string;
  const nodes: FleetGateway[] = [];
  const clients: XmppClient[] = [];

  function connect(port: number, username: string): XmppClient {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', resource: 'r', username, password: `${username}-pw` });
    xmpp.on('error', () => {});
    xmpp.reconnect?.stop?.(); // the connection to the paused node must stay the one it was
    clients.push(xmpp);
    return xmpp;
  }

  beforeAll(async () => {
    redis = await spawnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-paused-'));
    for (const user of ['alice', 'bob']) {
      const added = await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir]);
      expect(added.code).toBe(0);
    }
  }, 30_000);

  afterAll(async () => {
    for (const n of nodes) n.proc.child.kill('SIGCONT');
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    for (const n of nodes) await n.proc.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('its users come back for their contacts, and what was stored for them meanwhile arrives on the connection they kept', async () => {
    const env = {
      PAMPERO_SASL2__ENABLED: 'false', // RFC 6120 binding: the resource asked for
      PAMPERO_SM__RESUME_TIMEOUT_SECONDS: '0', // not resumable: reaped, not parked
    };
    const node1 = await startFleetGateway('node-1', dataDir, redis.url, env);
    nodes.push(node1);
    const node2 = await startFleetGateway('node-2', dataDir, redis.url, env);
    nodes.push(node2);

    // alice on node 1 and bob on node 2, mutual contacts.
    const alice = connect(node1.c2s, 'alice');
    const bob = connect(node2.c2s, 'bob');
    await alice.start();
    await bob.start();
    await makeMutualContacts(alice, 'alice@localhost', bob, 'bob@localhost', xml('presence', {}, xml('status', {}, 'here')));

    // Node 1 stops: bob is told alice is unavailable.
    const gone = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === 'alice@localhost/r' && el.attrs.type === 'unavailable', 10_000);
    node1.proc.child.kill('SIGSTOP');
    await gone;
    await bob.send(xml('message', { to: 'alice@localhost/r', type: 'chat', id: 'meanwhile' }, xml('body', {}, 'while you were away')));
    await new Promise((r) => setTimeout(r, 500));

    // It runs again: alice is available for bob again, with her status, and gets the message.
    const back = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === 'alice@localhost/r' && !el.attrs.type, 10_000);
    const message = nextStanza(alice, (el) => el.is('message') && el.attrs.id === 'meanwhile', 10_000);
    node1.proc.child.kill('SIGCONT');
    const [presence, stored] = await Promise.all([back, message]);
    expect(presence.getChildText('status')).toBe('here');
    expect(stored.getChildText('body')).toBe('while you were away');
  }, 60_000);
});
