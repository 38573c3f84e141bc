// Fault (d) of issue 11: clients that stop reading their sockets (1,000 full size, 100 in CI).
// A Python process logs them in (raw SASL PLAIN + bind on loopback; they are resources of 10
// accounts) and stops reading every socket; on `inject` a flooder process sends each account 8 KB
// messages, which all its resources get, until their output backs up. The bulkhead is each connection's output bound (c2s.maxWriteBufferBytes, socket-writer.ts):
// a reader holding more than that is cut off, its session ends, and what is sent to it next goes
// to offline storage (bounded by offline.quota, beyond: service-unavailable). So memory is at
// most readers × the bound, and A↔B chat does not wait on anyone's socket. The probes: every
// slow reader is cut off within the deadline; a message to a cut-off reader is kept offline (or
// refused service-unavailable once its offline quota is full); that user logs in again at once.
import { addUser } from '../../cli/user-commands.js';
import { withStores } from '../../cli/with-stores.js';
import { startTestServer } from '../shared/test-server.js';
import type { Fault, FaultSize, ProbeResult } from './fault.js';
import { connectProbe, exchange, iqExchange, localMetricSum, probe, scrapeMetrics, sleep, xml, type ProbeClient } from './xmpp-probes.js';
import { spawn } from 'node:child_process';
import { startInlineChild } from './raw-clients.js';
import { generatorCommand } from './cpu-pinning.js';

// The slow readers: Python, because a Node socket cannot set SO_RCVBUF — with the kernel's
// default receive buffer (which grows to megabytes on loopback) the server's output would sit in
// the kernel long before it reaches our bound, and CI would need gigabytes of traffic to show it.
const READERS = String.raw`
import base64, json, os, socket, sys
S = json.loads(os.environ['PAMPERO_FAULT_CHILD'])
header = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>" % S['domain']).encode()
def until(s, marker):
    seen = b''
    while marker not in seen:
        data = s.recv(65536)
        if not data: raise Exception('closed while waiting for %r' % marker)
        seen += data
readers = []
for i in range(S['readers']):
    account, resource = i % S['accounts'], i // S['accounts']
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, S['rcvbuf'])
    if S['mss']: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, S['mss'])
    s.connect(('127.0.0.1', S['port']))
    s.sendall(header); until(s, b'</stream:features>')
    s.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.b64encode(('\0slow%d\0slow-pw' % account).encode()) + b'</auth>')
    until(s, b'<success')
    s.sendall(header); until(s, b'</stream:features>')
    s.sendall(b"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r%d</resource></bind></iq>" % resource)
    until(s, b'</iq>')
    s.sendall(b'<presence/>')
    readers.append(s)
print('ready %d' % len(readers), flush=True)
sys.stdin.read()  # from now on they never read, until the parent closes our stdin
`;

// The readers' TCP segment size, as on Ethernet (1460). Loopback's own (65,483) made the server's
// kernel grow each stuck socket's send buffer to ~1.5 MB before Node saw any backlog: 1,000 readers
// took 1.5 GB, the machine's TCP memory limit (tcp_mem), where every connection's writes suffer —
// a property of loopback, not of readers coming over a network. LOADTEST_FAULT_READER_MSS=0 keeps
// loopback's.
const READER_MSS = Number(process.env.LOADTEST_FAULT_READER_MSS ?? 1460);

// The flooder: one connection sending each reader account (all its resources get a copy, RFC 6121
// §8.5.2.1.1) big messages at a bounded rate of output.
const FLOODER = String.raw`
const flooder = (await login('flooder', 'flooder-pw', { resource: 'f' })).socket;
flooder.on('data', () => undefined); // the flooder reads (bounces once a reader's offline quota is full)
process.send({ kind: 'ready' });
let stopping = false;
process.on('message', async (m) => {
  if (m.op === 'stop') {
    stopping = true;
    flooder.destroy();
    setTimeout(() => process.exit(0), 50);
    return;
  }
  if (m.op !== 'flood') return;
  const body = 'x'.repeat(S.bodyBytes);
  const started = Date.now();
  let bytes = 0;
  const copies = S.readers / S.accounts;
  for (let round = 0; round * S.bodyBytes < S.bytesPerReader && !stopping; round++) {
    for (let i = 0; i < S.accounts && !stopping; i++) {
      const stanza = "<message type='chat' to='slow" + i + '@' + S.domain + "'><body>" + body + '</body></message>';
      bytes += stanza.length * copies;
      if (!flooder.write(stanza)) await new Promise((r) => flooder.once('drain', r));
      const ahead = bytes / S.bytesPerSecond * 1000 - (Date.now() - started);
      if (ahead > 20) await sleep(ahead);
    }
  }
  process.send({ kind: 'flooded', bytes, ms: Date.now() - started });
});
process.on('disconnect', () => process.exit(0));
`;

/** The Python readers: resolves `ready` with how many logged in; `stop` closes them all. */
function startReaders(settings: Record<string, unknown>): { ready: Promise<number>; stop(): Promise<void> } {
  const child = spawn(...generatorCommand('python3', ['-c', READERS]), { env: { ...process.env, PAMPERO_FAULT_CHILD: JSON.stringify(settings) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error('the slow readers (python3) exited before they were ready')));
  });
  return {
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000); // ours, by its handle
      await exited;
      clearTimeout(timer);
    },
  };
}

export const fault: Fault = {
  name: 'slow-readers',
  description: 'clients that stop reading their sockets while messages are sent to them',
  async setup(size: FaultSize) {
    const full = size === 'full';
    const readers = full ? 1000 : 100;
    // Readers are resources of a few accounts: one message to an account reaches all of them.
    const accounts = 10;
    const maxWriteBufferBytes = full ? 262_144 : 65_536;
    // The archive is off: the flood's 8 KB messages would make this an archive-throughput test (docs/archive.md).
    const server = await startTestServer({ c2s: { maxWriteBufferBytes } as never, offline: { quota: 5 }, archive: { enabled: false } as never });
    const domain = server.domain;
    await withStores(server.config, async (stores) => {
      for (const [user, pw] of [['alice', 'alice-pw'], ['bob', 'bob-pw'], ['dave', 'dave-pw'], ['flooder', 'flooder-pw']] as const) await addUser(stores, `${user}@${domain}`, pw);
      for (let i = 0; i < accounts; i++) await addUser(stores, `slow${i}@${domain}`, 'slow-pw');
    });
    const settings = {
      domain, port: server.c2sPort, readers, accounts, bodyBytes: 8192, rcvbuf: 4096, mss: READER_MSS,
      // Enough for every reader to pass the bound once the kernel's socket buffers are full (≈ 0.3 MB
      // a socket with READER_MSS 1460; with loopback's 64 KB segments the send buffer grows to a few MB).
      bytesPerReader: 6 * 1048576, bytesPerSecond: full ? 300e6 : 50e6,
    };
    const slow = startReaders(settings);
    const load = startInlineChild(FLOODER, settings);
    let dave: ProbeClient | undefined;
    try {
      const bound = await slow.ready;
      if (bound !== readers) throw new Error(`only ${bound} of ${readers} slow readers logged in`);
      await load.next('ready', 30_000);
      dave = await connectProbe(domain, { username: 'dave', password: 'dave-pw', port: server.c2sPort }, 'probe', { presence: true });
    } catch (err) {
      await slow.stop();
      await load.stop();
      await server.stop();
      throw err;
    }
    const prober = dave;
    // Polled 5 times a second during the fault: read in-process (the server is), not by rendering all of /metrics on the loop under test.
    const cutOffs = () => localMetricSum('pampero_c2s_output_overflows_total');
    const rssAtStart = process.memoryUsage().rss;
    const cutDeadlineMs = full ? 30_000 : 15_000;

    return {
      domain,
      a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
      b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
      inject: async () => load.send({ op: 'flood' }),
      async probe(): Promise<ProbeResult[]> {
        const started = performance.now();
        let cut = 0;
        while (performance.now() - started < cutDeadlineMs && (cut = await cutOffs()) < readers) await sleep(200);
        const results: ProbeResult[] = [{ what: `${readers} slow readers cut off`, outcome: `${cut} cut off`, ms: performance.now() - started, ok: cut >= readers }];
        // Accepted for offline storage (no answer) or, once the offline quota is full, service-unavailable.
        const message = await exchange(prober, xml('message', { to: `slow0@${domain}`, type: 'chat', id: 'probe-slow' }, xml('body', {}, 'still there?')), (s) => s.is('message') && s.attrs.id === 'probe-slow', 1000);
        results.push({ ...probe('message to a cut-off reader', message, ['no answer', 'service-unavailable'], 1100), outcome: message.outcome === 'no answer' ? 'stored offline' : message.outcome });
        const again = performance.now();
        const back = await connectProbe(domain, { username: 'slow1', password: 'slow-pw', port: server.c2sPort }, 'again', { presence: true }).then((c) => c, () => undefined);
        const ping = back ? await iqExchange(back, domain, xml('ping', { xmlns: 'urn:xmpp:ping' }), 5000) : { outcome: 'login failed', ms: 0 };
        results.push({ what: 'cut-off reader logs in again', outcome: ping.outcome, ms: performance.now() - again, ok: ping.outcome === 'ok' && performance.now() - again < 5000 });
        await back?.stop().catch(() => undefined);
        return results;
      },
      clear: async () => {
        await load.stop();
        await slow.stop();
      },
      recovered: async () => (await iqExchange(prober, domain, xml('ping', { xmlns: 'urn:xmpp:ping' }), 1000)).outcome === 'ok',
      memoryBytes: () => process.memoryUsage().rss,
      // Every reader's output bound (the kernel holds the rest), plus room for the flood in flight.
      memoryBoundBytes: rssAtStart + readers * maxWriteBufferBytes * 2 + 192 * 1048576,
      bulkheadMetrics: () => scrapeMetrics(server.httpPort, ['pampero_c2s_output_overflows_total', 'pampero_c2s_connections', 'pampero_offline_', 'pampero_router_stanza', 'pampero_c2s_stanzas']),
      async teardown() {
        await load.stop();
        await slow.stop();
        await prober.stop().catch(() => undefined);
        await server.stop();
      },
    };
  },
};
