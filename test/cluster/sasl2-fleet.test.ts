// SASL2 in a fleet (docs/sasl2.md, docs/cluster.md): a client whose gateway stopped comes back
// on another gateway and resumes its XEP-0198 session with <resume/> inline in <authenticate/>,
// the session being taken from Redis. @xmpp/client 0.14 does it by itself.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';
import { nextStanza } from '../support/next-stanza.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithRedis('SASL2 inline resumption on another gateway', () => {
  let redisServer: TestRedis;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const clients: any[] = [];

  beforeAll(async () => {
    redisServer = await spawnRedis();
    const node = (nodeId: string) => ({ sasl2: { enabled: true }, cluster: { redisUrl: redisServer.url, nodeId, heartbeatSeconds: 0.5 } });
    nodeA = await startTestServer(node('sasl2-a'));
    nodeB = await startTestServer(node('sasl2-b'));
    for (const n of [nodeA, nodeB]) for (const user of ['alice', 'bob']) await n.addUser(user, `${user}-pw`);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    await nodeB?.stop();
    await nodeA?.stop();
    await redisServer?.stop();
  });

  test('a client of a stopped gateway resumes inside <authenticate/> on another and gets every message once', async () => {
    const alice = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${nodeA.c2sPort}`, domain: 'localhost', username: 'alice', password: 'alice-pw', resource: 'phone', userAgent: xml('user-agent', { id: 'alice-phone' }) });
    const bob = client({ timeout: 10_000, service: `xmpp://127.0.0.1:${nodeB.c2sPort}`, domain: 'localhost', username: 'bob', password: 'bob-pw', resource: 'desk' });
    for (const c of [alice, bob]) {
      c.on('error', () => {});
      clients.push(c);
    }
    const seen: string[] = [];
    alice.on('stanza', (el: any) => {
      const body = el.is('message') ? el.getChildText('body') : null;
      if (body) seen.push(body);
    });
    const sent: any[] = [];
    alice.on('send', (el: any) => sent.push(el));
    const received: any[] = [];
    alice.on('element', (el: any) => received.push(el));
    const jid = (await alice.start()).toString();
    await bob.start();
    await alice.send(xml('presence'));
    const sm = alice.streamManagement;
    expect(sm.enabled).toBe(true);
    await sleep(300); // the directory reaches node B
    await bob.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'before')));
    await nextStanza(alice, (el: any) => el.getChildText?.('body') === 'before', 8000);

    // Gateway A stops: alice's session is parked in Redis; the client comes back through B.
    alice.reconnect.delay = 300;
    alice.options.service = `xmpp://127.0.0.1:${nodeB.c2sPort}`;
    const resumed = new Promise<void>((resolve) => sm.once('resumed', resolve));
    sent.length = 0;
    received.length = 0;
    await nodeA.stop();
    await bob.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'meanwhile')));
    await resumed;
    const authenticate = sent.filter((el) => el.is('authenticate', 'urn:xmpp:sasl:2')).at(-1);
    expect(authenticate.getChild('resume', 'urn:xmpp:sm:3')).toBeDefined();
    const success = received.find((el) => el.is('success', 'urn:xmpp:sasl:2'));
    expect(success.getChild('resumed', 'urn:xmpp:sm:3')).toBeDefined();
    expect(success.getChildText('authorization-identifier')).toBe(jid);
    const deadline = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < deadline) await sleep(50);
    await sleep(300);
    expect(seen).toEqual(['before', 'meanwhile']);
  }, 40_000);
});
