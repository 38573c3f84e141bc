// MAM query latency (issue 12's benchmark): the p99 of "latest 50 messages" queries over c2s
// against an archive filled straight through the store (no messages are routed to fill it).
//
//   1. fill (server stopped; LMDB under DIR/lmdb, as `pampero start --data-dir DIR` opens it):
//      node dist/loadtest/mam-query.js fill --data-dir DIR --messages 10000000 --users 100000 \
//           [--domain bench.local --query-users 1000 --days 30 --iterations 4096]
//   2. start the server on that directory:
//      node dist/cli/pampero.cjs start --data-dir DIR --domain bench.local --c2s-port 15222 \
//           --c2s-tls-port 0 --http-port 0 --component-port 15275 --allow-plain-from-loopback
//   3. query (accounts load1..load<query-users>, password pass<N>; each connection is one user):
//      node dist/loadtest/mam-query.js query --port 15222 [--domain bench.local --query-users 1000 \
//           --connections 20 --queries 5000 --max 50]
// Prints one JSON line per step. docs/loadtest.md and docs/archive.md have the figures.
import { connect, type Socket } from 'node:net';
import { parseScriptArgs } from './shared/script-args.js';
import { deriveCredentials } from '../shared/auth/scram.js';
import { ArchiveIdGenerator } from '../shared/storage/archive-id.js';
import { openStores } from '../shared/storage/open.js';

const USAGE = `MAM query latency: the p99 of "latest 50 messages" queries over c2s (docs/loadtest.md).
  1. fill (server stopped):
     node dist/loadtest/mam-query.js fill --data-dir DIR --messages 10000000 --users 100000
          [--domain bench.local --query-users 1000 --days 30 --iterations 4096 --batch 20000]
  2. start the server on DIR:
     node dist/cli/pampero.cjs start --data-dir DIR --domain bench.local --c2s-port 15222 \\
          --c2s-tls-port 0 --http-port 0 --component-port 15275 --allow-plain-from-loopback
  3. query (accounts load1..load<query-users>, password pass<N>; one user per connection):
     node dist/loadtest/mam-query.js query --port 15222 [--host 127.0.0.1 --domain bench.local
          --query-users 1000 --connections 20 --queries 5000 --max 50]`;

const { positionals, values: o } = parseScriptArgs(USAGE, {
    'data-dir': { type: 'string' }, domain: { type: 'string', default: 'bench.local' },
    messages: { type: 'string', default: '10000000' }, users: { type: 'string', default: '100000' },
    'query-users': { type: 'string', default: '1000' }, days: { type: 'string', default: '30' },
    iterations: { type: 'string', default: '4096' }, batch: { type: 'string', default: '20000' },
    host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '5222' },
    connections: { type: 'string', default: '20' }, queries: { type: 'string', default: '5000' },
    max: { type: 'string', default: '50' },
  });

const user = (n: number) => `load${n}@${o.domain}`;

/** Messages spread round-robin over the users, evenly over the last `days` days, oldest first. */
async function fill(): Promise<void> {
  if (!o['data-dir']) throw new Error('--data-dir is required');
  const [messages, users, queryUsers, batchSize] = [Number(o.messages), Number(o.users), Number(o['query-users']), Number(o.batch)];
  const stores = await openStores({ dataDir: o['data-dir'] });
  const archive = stores.archive!;
  const started = Date.now();
  for (let n = 1; n <= Math.min(queryUsers, users); n++) await stores.accounts.create(user(n), deriveCredentials(`pass${n}`, Number(o.iterations)));
  const span = Number(o.days) * 86_400_000;
  const first = Date.now() - span;
  let now = first;
  const ids = new ArchiveIdGenerator(0, () => now);
  for (let done = 0; done < messages; ) {
    const batch = [];
    for (; batch.length < batchSize && done < messages; done++) {
      now = first + Math.floor((done / messages) * span);
      const owner = user((done % users) + 1);
      const peer = user(((done * 7919) % users) + 1);
      const outgoing = done % 2 === 0;
      const [from, to] = outgoing ? [`${owner}/bench`, peer] : [`${peer}/bench`, owner];
      batch.push({ owner, id: ids.next().id, with: peer, xml: `<message from="${from}" to="${to}" type="chat" id="m${done}"><body>Benchmark message number ${done}, some forty bytes of text.</body></message>` });
    }
    await archive.append(batch);
    if (done % (batchSize * 25) === 0 || done === messages) {
      process.stderr.write(`filled ${done} / ${messages} (${Math.round(done / ((Date.now() - started) / 1000))}/s)\n`);
    }
  }
  await stores.close();
  console.log(JSON.stringify({ step: 'fill', messages, users, per_user: messages / users, seconds: (Date.now() - started) / 1000 }));
}

/** A logged-in raw c2s connection (PLAIN on the loopback plain port) that runs queries one at a time. */
function session(n: number, resource: string): Promise<{ query(max: number): Promise<number>; close(): void }> {
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${o.domain}' version='1.0'>`;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: o.host!, port: Number(o.port) });
    let buffer = '';
    let step = 0;
    let waiting: { id: string; done: (results: number) => void } | undefined;
    let seq = 0;
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.once('connect', () => socket.write(header));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (step === 0 && buffer.includes('</stream:features>')) {
        step = 1; buffer = '';
        socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0load${n}\0pass${n}`).toString('base64')}</auth>`);
      } else if (step === 1 && /<(success|failure)/.test(buffer)) {
        if (buffer.includes('<failure')) return reject(new Error(`login load${n} failed`));
        step = 2; buffer = '';
        socket.write(header);
      } else if (step === 2 && buffer.includes('</stream:features>')) {
        step = 3; buffer = '';
        socket.write(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
      } else if (step === 3 && buffer.includes('</iq>')) {
        step = 4; buffer = '';
        resolve({
          query: (max) => new Promise((done) => {
            waiting = { id: `q${++seq}`, done };
            socket.write(`<iq type='set' id='${waiting.id}'><query xmlns='urn:xmpp:mam:2' queryid='${waiting.id}'><set xmlns='http://jabber.org/protocol/rsm'><max>${max}</max><before/></set></query></iq>`);
          }),
          close: () => socket.destroy(),
        });
      } else if (step === 4 && waiting && buffer.includes('</fin>') && new RegExp(`<iq[^>]* id="${waiting.id}"`).test(buffer)) {
        const results = buffer.split('<result ').length - 1;
        const { done } = waiting;
        waiting = undefined; buffer = '';
        done(results);
      }
    });
  });
}

async function query(): Promise<void> {
  const [connections, total, max, queryUsers] = [Number(o.connections), Number(o.queries), Number(o.max), Number(o['query-users'])];
  const sessions = await Promise.all(Array.from({ length: connections }, (_, i) => session((i % queryUsers) + 1, `bench${i}`)));
  const latencies: number[] = [];
  let issued = 0;
  let results = 0;
  const started = performance.now();
  await Promise.all(sessions.map(async (s) => {
    while (issued < total) {
      issued++;
      const t = performance.now();
      const got = await s.query(max);
      results += got;
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const s of sessions) s.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2));
  console.log(JSON.stringify({
    step: 'query', queries: latencies.length, connections, max, results_per_query: results / latencies.length,
    qps: Math.round(latencies.length / seconds), p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: at(1),
  }));
}

if (positionals[0] === 'fill') await fill();
else if (positionals[0] === 'query') await query();
else throw new Error('usage: mam-query.js fill|query [options] (see the comment at the top)');
