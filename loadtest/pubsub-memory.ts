// Memory of the PubSub component with many stored items (issue #6: RSS with 1,000,000 items
// across 10,000 nodes, goal < 300 MB). Fills an LMDB PubSub store through the PubsubStore
// interface, then serves random item retrievals and publishes through the component's own stanza
// router (everything a component process holds except its XEP-0114 socket) and reports RSS —
// anonymous memory and LMDB's file-backed pages apart, read from /proc/self/status.
// The fill runs through its own LMDB environment, closed before the serving one opens, so the
// figures after "reopened" are those of a component process started on the filled store.
//
// RSS also counts the LMDB file pages the process has mapped (page cache: shared, reclaimable), which
// grow with what the requests touched, up to the whole file. `--memory-limit MB` runs the whole
// process (fill included) in a memory cgroup of that size, as a container with a memory limit
// would: the kernel then reclaims file pages at the limit, and the figures show what the component
// really needs and how fast it serves within it (root only: loadtest/shared/memory-cgroup.ts).
//
//   node --expose-gc dist/loadtest/pubsub-memory.js [--items 1000000] [--nodes 10000]
//        [--requests 20000] [--payload 200] [--memory-limit MB]
//        [--dir DIR (default: a temp dir, removed after)]
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScriptArgs } from './shared/script-args.js';
import { pino } from 'pino';
import { createStanzaRouter } from '../components/pubsub/index.js';
import { xml } from '../components/pubsub/xmpp-bindings.js';
import { defaultNodeConfig, DEFAULT_NODE_LIMITS } from '../components/pubsub/node-config-form.js';
import { openLmdbPubsubStore } from '../shared/storage/lmdb/pubsub-store.js';
import { joinMemoryCgroup, type MemoryCgroup } from './shared/memory-cgroup.js';

const USAGE = `Memory of the PubSub component with many stored items (RSS, anonymous and LMDB file pages apart):
  node --expose-gc dist/loadtest/pubsub-memory.js [--items 1000000] [--nodes 10000]
       [--requests 20000] [--payload 200] [--memory-limit MB (root)] [--dir DIR (default: a temp dir, removed after)]`;

const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const SERVICE = 'pubsub.bench.local';

function memory(): { rssMB: number; anonMB: number; fileMB: number; heapMB: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMB: mb(kb('VmRSS') * 1024), anonMB: mb(kb('RssAnon') * 1024), fileMB: mb(kb('RssFile') * 1024), heapMB: mb(process.memoryUsage().heapUsed) };
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const { values } = parseScriptArgs(USAGE, { items: { type: 'string', default: '1000000' }, nodes: { type: 'string', default: '10000' }, requests: { type: 'string', default: '20000' }, payload: { type: 'string', default: '200' }, 'memory-limit': { type: 'string' }, dir: { type: 'string' } });
  let cgroup: MemoryCgroup | undefined;
  if (values['memory-limit']) {
    cgroup = joinMemoryCgroup(Number(values['memory-limit']));
    console.log(JSON.stringify({ phase: 'memory cgroup', path: cgroup.path, limitMB: Number(values['memory-limit']) }));
  }
  const charged = () => (cgroup ? { cgroup: cgroup.usage() } : {});
  const items = Number(values.items);
  const nodes = Number(values.nodes);
  const requests = Number(values.requests);
  const perNode = Math.ceil(items / nodes);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'pampero-pubsub-mem-'));
  const filling = openLmdbPubsubStore(dir);
  const text = 'x'.repeat(Math.max(0, Number(values.payload) - 60));
  const limits = { ...DEFAULT_NODE_LIMITS, maxItems: Math.max(perNode, DEFAULT_NODE_LIMITS.maxItems) };
  const started = Date.now();
  console.log(JSON.stringify({ phase: 'start', items, nodes, perNode, ...memory() }));

  for (let n = 0; n < nodes; n++) {
    const node = `node-${n}`;
    await filling.store.createNode({ service: SERVICE, node, config: { ...defaultNodeConfig(limits), maxItems: perNode }, creator: 'owner@bench.local', createdAt: Date.now() });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < perNode && n * perNode + i < items; i++) {
      const payload = `<entry xmlns='http://www.w3.org/2005/Atom'><title>${n}-${i}</title><summary>${text}</summary></entry>`;
      writes.push(filling.store.publishItem(SERVICE, node, { id: `item-${i}`, payload, publisher: 'owner@bench.local', publishedAt: Date.now() }, perNode));
    }
    await Promise.all(writes);
    if ((n + 1) % Math.max(1, Math.floor(nodes / 10)) === 0) console.log(JSON.stringify({ phase: 'fill', nodesDone: n + 1, seconds: (Date.now() - started) / 1000, ...memory() }));
  }
  gc();
  console.log(JSON.stringify({ phase: 'filled', seconds: (Date.now() - started) / 1000, lmdbFileMB: mb(statSync(join(dir, 'data.mdb'), { throwIfNoEntry: false })?.size ?? 0), ...memory(), ...charged() }));
  // A component process serves a store it did not write: close the filling environment (its
  // mapped pages leave this process) and open the store afresh, as `pampero start --role pubsub` does.
  await filling.close();
  const { store, close } = openLmdbPubsubStore(dir);
  gc();
  console.log(JSON.stringify({ phase: 'reopened', ...memory(), ...charged() }));

  // The component's stanza router on the filled store: random retrievals and publishes.
  const router = createStanzaRouter({ domain: SERVICE, serverDomain: 'bench.local', store, log: pino({ level: 'silent' }), limits });
  let answered = 0;
  const send = async () => void answered++;
  const serveStarted = Date.now();
  for (let r = 0; r < requests; r += 100) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < 100; k++) {
      const node = `node-${Math.floor(Math.random() * nodes)}`;
      const payload = (r + k) % 10 === 0
        ? xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node }, xml('item', { id: `item-${Math.floor(Math.random() * perNode)}` }, xml('entry', { xmlns: 'http://www.w3.org/2005/Atom' }, 'again'))))
        : xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node, max_items: '10' }));
      batch.push(router.handle(xml('iq', { type: (r + k) % 10 === 0 ? 'set' : 'get', id: `q${r + k}`, from: 'owner@bench.local/r', to: SERVICE }, payload), send));
    }
    await Promise.all(batch);
  }
  gc();
  console.log(JSON.stringify({ phase: 'served', requests, answered, perSecond: Math.round(requests / ((Date.now() - serveStarted) / 1000)), ...memory(), ...charged() }));
  await close();
  cgroup?.leave();
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
