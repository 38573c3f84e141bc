// kill -9 of one node of a fleet: the other nodes notice within a few heartbeats, reap its
// sessions and tell their contacts they are unavailable; its clients log in again elsewhere and
// chat. Two real all-in-one processes share one data directory (LMDB) and one real Redis.
import { client, xml } from '@xmpp/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleetGateway, type FleetGateway } from '../support/fleet-gateway.js';
import { nextStanza } from '../support/next-stanza.js';
import { makeMutualContacts } from '../support/mutual-contacts.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { isBuilt, runPampero } from '../support/pampero-process.js';
import { connectRedis, redisReady } from '../../shared/cluster/redis-connection.js';
import { clusterKeys } from '../../shared/cluster/keys.js';
import { createLogger } from '../../shared/log.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
type XmppClient = ReturnType<typeof client>;
const describeWhenPossible = hasRedisServer() && isBuilt() ? describe : describe.skip;

describeWhenPossible('a node killed with SIGKILL', () => {
  let redis: TestRedis;
  let dataDir: string;
  const nodes: FleetGateway[] = [];
  const clients: XmppClient[] = [];

  async function startNode(name: string): Promise<FleetGateway> {
    const node = await startFleetGateway(name, dataDir, redis.url, {
      // Not resumable: a resumable session of a dead node is parked until its timeout instead (docs/cluster.md).
      PAMPERO_SM__RESUME_TIMEOUT_SECONDS: '0',
      PAMPERO_SASL2__ENABLED: 'false', // RFC 6120 binding: the resource is the one asked for (docs/sasl2.md)
    });
    nodes.push(node);
    return node;
  }

  function connect(port: number, username: string): XmppClient {
    const xmpp = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', resource: 'r', username, password: `${username}-pw` });
    xmpp.on('error', () => {});
    clients.push(xmpp);
    return xmpp;
  }

  beforeAll(async () => {
    redis = await spawnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'pampero-crash-'));
    for (const user of ['alice', 'bob']) {
      const added = await runPampero(['user', 'add', `${user}@localhost`, '--password', `${user}-pw`, '--data-dir', dataDir]);
      expect(added.code).toBe(0);
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    for (const n of nodes) await n.proc.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('contacts on the surviving node see the dead node\'s users go unavailable, and they chat again from the survivor', async () => {
    const node1 = await startNode('node-1');
    const node2 = await startNode('node-2');

    // alice on node 1 and bob on node 2 become mutual contacts through the (shared) roster.
    const alice = connect(node1.c2s, 'alice');
    const bob = connect(node2.c2s, 'bob');
    await alice.start();
    await bob.start();
    await makeMutualContacts(alice, 'alice@localhost', bob, 'bob@localhost');

    // kill -9 node 1: bob learns alice is gone within a few heartbeats.
    const gone = nextStanza(bob, (el) => el.is('presence') && el.attrs.from === 'alice@localhost/r' && el.attrs.type === 'unavailable', 8000);
    const killedAt = Date.now();
    await node1.proc.kill9();
    await gone;
    expect(Date.now() - killedAt).toBeLessThan(5000);

    // alice logs in again on node 2 and the two chat.
    const alice2 = connect(node2.c2s, 'alice');
    await alice2.start();
    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'back', 5000);
    await alice2.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'back')));
    await atBob;

    // The reaper closed the dead node's inbox before its last read (a late sender is told it is
    // gone instead of writing where nobody reads); the node opens it again when it comes back.
    const commands = connectRedis({ url: redis.url, logger: createLogger('silent') });
    try {
      await redisReady(commands);
      const closed = async () => (await commands.exists(clusterKeys.inboxClosed('node-1'))) === 1;
      for (let i = 0; i < 100 && !(await closed()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await closed()).toBe(true);
      await startNode('node-1');
      // Open again by its start, or — should a reap of the dead process still be finishing and close
      // it once more — by its first heartbeat, which finds the reap lock (cluster-node.ts).
      for (let i = 0; i < 50 && (await closed()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await closed()).toBe(false);
    } finally {
      commands.disconnect();
    }
  }, 60_000);
});
