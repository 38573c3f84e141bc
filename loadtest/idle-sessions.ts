// Idle memory per authenticated session over plain TCP or direct TLS (XEP-0368), the figure
// xmppbench's S4 measures for plain TCP only. Opens N sessions (SASL PLAIN, bind, presence),
// waits, and reads the server's RSS from /proc before and after.
//
//   node dist/loadtest/idle-sessions.js --pid PID --port 17223 --tls --domain bench.local \
//        --count 10000 [--user-fmt load%d --password-fmt pass%d --concurrency 50 --settle 10]
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { parseScriptArgs } from './shared/script-args.js';

const USAGE = `Idle memory per authenticated session (server RSS before and after N sessions):
  node dist/loadtest/idle-sessions.js --pid PID --port 17223 [--tls] [--domain bench.local]
       [--count 10000 --user-fmt load%d --password-fmt pass%d --concurrency 50 --settle 10 --deadline-s 600]`;

const { values: opts } = parseScriptArgs(USAGE, {
    pid: { type: 'string' }, port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' },
    tls: { type: 'boolean', default: false }, domain: { type: 'string', default: 'bench.local' },
    count: { type: 'string', default: '10000' }, 'user-fmt': { type: 'string', default: 'load%d' },
    'password-fmt': { type: 'string', default: 'pass%d' }, concurrency: { type: 'string', default: '50' },
    settle: { type: 'string', default: '10' }, 'deadline-s': { type: 'string', default: '600' },
  });
if (!opts.pid || !opts.port) throw new Error('--pid and --port are required');
if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host!)) throw new Error('loopback targets only');
const count = Number(opts.count);
const deadline = Date.now() + Number(opts['deadline-s']) * 1000;

function rssKiB(): number {
  const status = readFileSync(`/proc/${opts.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

function session(n: number): Promise<Socket> {
  const user = opts['user-fmt']!.replace('%d', String(n));
  const password = opts['password-fmt']!.replace('%d', String(n));
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${opts.domain}' version='1.0'>`;
  return new Promise((resolve, reject) => {
    const socket: Socket = opts.tls
      ? tlsConnect({ host: opts.host, port: Number(opts.port), rejectUnauthorized: false, servername: opts.domain })
      : netConnect({ host: opts.host!, port: Number(opts.port) });
    let buffer = '';
    let step = 0;
    const timer = setTimeout(() => reject(new Error(`session ${n} timed out at step ${step}`)), 30_000);
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => socket.write(header));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (step === 0 && buffer.includes('</stream:features>')) {
        step = 1; buffer = '';
        socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
      } else if (step === 1 && /<(success|failure)/.test(buffer)) {
        if (buffer.includes('<failure')) return reject(new Error(`login ${user} failed`));
        step = 2; buffer = '';
        socket.write(header);
      } else if (step === 2 && buffer.includes('</stream:features>')) {
        step = 3; buffer = '';
        socket.write(`<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>idle</resource></bind></iq><presence/>`);
      } else if (step === 3 && buffer.includes('<presence')) {
        step = 4; buffer = '';
        clearTimeout(timer);
        socket.removeAllListeners('data');
        socket.on('data', () => {}); // keep reading so nothing piles up
        resolve(socket);
      }
    });
  });
}

const sockets: Socket[] = [];
const before = rssKiB();
let next = 1;
const worker = async () => {
  while (next <= count && Date.now() < deadline) sockets.push(await session(next++));
};
const started = Date.now();
await Promise.all(Array.from({ length: Number(opts.concurrency) }, worker));
const loginS = (Date.now() - started) / 1000;
await new Promise((r) => setTimeout(r, Number(opts.settle) * 1000));
const after = rssKiB();
const result = {
  scenario: 'idle', transport: opts.tls ? 'direct-tls' : 'tcp', sessions: sockets.length, login_s: loginS,
  rss_kib_before: before, rss_kib_after: after, bytes_per_session: Math.round(((after - before) * 1024) / sockets.length),
};
console.log(JSON.stringify(result));
for (const s of sockets) s.destroy();
