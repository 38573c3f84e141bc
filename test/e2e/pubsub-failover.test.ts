// Two PubSub instances of one domain on one shared store: the router spreads the nodes over them
// (rendezvous hashing on domain + node, shared/router/component-shard.ts); when one instance is
// killed (its socket destroyed, requests in flight), the other serves all its nodes from storage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { component } from '@xmpp/component';
import { createStanzaRouter, startPubsubComponent, type RunningPubsubComponent } from '../../components/pubsub/index.js';
import { openLmdbPubsubStore } from '../../shared/storage/lmdb/pubsub-store.js';
import type { PubsubStore } from '../../shared/storage/types.js';
import { createLogger } from '../../shared/log.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const PUBSUB = 'pubsub-ha.localhost';
const NODES = Array.from({ length: 16 }, (_, i) => `node-${i}`);

let server: TestServer;
let dir: string;
let closeStore: () => Promise<void>;
let store: PubsubStore;
const instances: RunningPubsubComponent[] = [];

/** The shared store, counting which nodes this instance touched; `slow` delays its answers. */
function counting(touched: Set<string>, slow = { ms: 0 }): PubsubStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (typeof args[1] === 'string') touched.add(args[1]);
        if (slow.ms) await new Promise((r) => setTimeout(r, slow.ms));
        return value.apply(target, args);
      };
    },
  });
}

/** An instance whose socket the test can destroy, as a killed process's would be. */
async function killableInstance(touched: Set<string>, slow: { ms: number }) {
  const comp = component({ service: `xmpp://127.0.0.1:${server.componentPort}`, domain: PUBSUB, password: 'ha-secret' });
  comp.on('error', () => {});
  comp.reconnect.stop();
  comp.removeListener('element', comp.listeners('element')[0]); // as shared/component/component-link.ts does
  const router = createStanzaRouter({ domain: PUBSUB, serverDomain: server.domain, store: counting(touched, slow) });
  comp.on('stanza', (stanza: any) => void router.handle(stanza, (out) => comp.send(out).catch(() => {})));
  await comp.start();
  return { kill: () => comp.socket.destroy(), stop: () => comp.stop().catch(() => {}) };
}

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('alice', 'alice-pw');
  await server.addComponent(PUBSUB, 'ha-secret');
  dir = await mkdtemp(join(tmpdir(), 'pampero-pubsub-ha-'));
  ({ store, close: closeStore } = openLmdbPubsubStore(dir));
});

afterAll(async () => {
  for (const i of instances) await i.stop().catch(() => {});
  await closeStore?.();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('nodes are spread over two instances and move to the survivor when one is killed with requests in flight', async () => {
  const touched = [new Set<string>(), new Set<string>()];
  const slow = { ms: 0 };
  const doomed = await killableInstance(touched[0]!, slow);
  instances.push({ stop: doomed.stop });
  instances.push(await startPubsubComponent({
    service: `xmpp://127.0.0.1:${server.componentPort}`, domain: PUBSUB, secret: 'ha-secret', serverDomain: server.domain,
    store: counting(touched[1]!), logger: createLogger('silent'),
  }));
  const alice = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'alice', password: 'alice-pw', resource: 'ha' });
  alice.on('error', () => {});
  await alice.start();
  try {
    const request = (type: 'get' | 'set', ...children: any[]) => alice.iqCaller.request(xml('iq', { type, to: PUBSUB }, xml('pubsub', { xmlns: NS_PUBSUB }, ...children)));
    for (const node of NODES) {
      await request('set', xml('create', { node }));
      await request('set', xml('publish', { node }, xml('item', { id: 'first' }, xml('entry', { xmlns: 'urn:example' }, node))));
    }
    // Each node was handled by exactly one instance, and both instances got some.
    expect(touched[0]!.size).toBeGreaterThan(0);
    expect(touched[1]!.size).toBeGreaterThan(0);
    for (const node of NODES) expect(touched[0]!.has(node) !== touched[1]!.has(node)).toBe(true);

    const movedNodes = NODES.filter((n) => touched[0]!.has(n));
    touched[1]!.clear();
    // The doomed instance now takes its time: its requests are in flight when it dies.
    slow.ms = 2000;
    const inFlight = NODES.map((node) => request('get', xml('items', { node })));
    await new Promise((r) => setTimeout(r, 300));
    doomed.kill();
    for (const [i, answer] of (await Promise.all(inFlight)).entries()) {
      expect(answer.getChild('pubsub').getChild('items').getChild('item').getChildText('entry')).toBe(NODES[i]);
    }
    for (const node of NODES) {
      await request('set', xml('publish', { node }, xml('item', { id: 'second' }, xml('entry', { xmlns: 'urn:example' }, 'after'))));
    }
    for (const node of movedNodes) expect(touched[1]!.has(node)).toBe(true);
  } finally {
    await alice.stop();
  }
}, 60_000);
