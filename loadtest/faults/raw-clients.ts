// Load for the faults of issue 11 that needs many connections (slow readers, a login storm), run
// in a child process of its own so its CPU is not the measured chat's: the child's code is a
// plain-JavaScript module given to `node -e` (so the same file works from the TypeScript sources
// under jest and from dist/), its settings in an environment variable, its counts back over IPC.
// Raw XMPP over plain loopback TCP: stream header, SASL PLAIN, resource binding — nothing else.
import { spawn, type ChildProcess } from 'node:child_process';
import { generatorCommand } from './cpu-pinning.js';

/** The raw client both children use: `login()` resolves to the bound socket or the failure's condition. */
const RAW_LOGIN = String.raw`
import { connect } from 'node:net';
const S = JSON.parse(process.env.PAMPERO_FAULT_CHILD);
const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" + S.domain + "' version='1.0'>";
function login(user, password, opts = {}) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: S.port, localAddress: opts.from });
    let seen = '';
    let stage = 'features';
    let settled = false;
    const done = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome !== 'bound' || opts.close) socket.destroy();
      resolve({ outcome, socket });
    };
    const timer = setTimeout(() => done('no answer'), opts.timeoutMs ?? 10000);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(header));
    socket.on('error', () => done('connection error'));
    socket.on('close', () => done('closed'));
    socket.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (stage !== 'bound' && seen.includes('<stream:error')) return done('stream error ' + ((/<([a-z-]+) xmlns=.urn:ietf:params:xml:ns:xmpp-streams/.exec(seen) || [])[1] || '?'));
      if (stage === 'features' && seen.includes('</stream:features>')) {
        stage = 'auth';
        seen = '';
        socket.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Buffer.from('\0' + user + '\0' + password).toString('base64') + '</auth>');
      } else if (stage === 'auth' && seen.includes('<failure')) {
        done(((/<failure[^>]*>\s*<([a-z-]+)/.exec(seen)) || [])[1] || 'failure');
      } else if (stage === 'auth' && seen.includes('<success')) {
        if (opts.authOnly) return done('success');
        stage = 'features2';
        seen = '';
        socket.write(header);
      } else if (stage === 'features2' && seen.includes('</stream:features>')) {
        stage = 'bind';
        seen = '';
        socket.write("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + (opts.resource ?? 'r') + '</resource></bind></iq>');
      } else if (stage === 'bind' && seen.includes('</iq>')) {
        const bound = /type=.result./.test(seen);
        stage = 'bound';
        seen = '';
        done(bound ? 'bound' : 'bind failed');
      } else if (stage === 'bound') {
        seen = '';
      }
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
`;

export interface InlineChild {
  child: ChildProcess;
  /** Resolves with the next message of `kind` the child sends. */
  next<T = Record<string, unknown>>(kind: string, timeoutMs?: number): Promise<T>;
  send(message: Record<string, unknown>): void;
  /** Tells the child to stop, and kills it (by its handle) if it has not gone in 5 s. */
  stop(): Promise<void>;
}

/** Runs `body` (plain JavaScript, with `login`, `sleep`, `S` and `process.send` in scope) in a child process. */
export function startInlineChild(body: string, settings: Record<string, unknown>): InlineChild {
  const child = spawn(...generatorCommand(process.execPath, ['--input-type=module', '-e', RAW_LOGIN + body]), {
    env: { ...process.env, PAMPERO_FAULT_CHILD: JSON.stringify(settings), NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: Array<Record<string, unknown>> = [];
  const waiters: Array<{ kind: string; resolve: (m: any) => void }> = [];
  child.on('message', (m: any) => {
    const waiter = waiters.find((w) => w.kind === m.kind);
    if (waiter) waiter.resolve(m); // takes itself out of waiters
    else inbox.push(m);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    next(kind, timeoutMs = 60_000) {
      const queued = inbox.findIndex((m) => m.kind === kind);
      if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0] as never);
      // Each wait takes its timer, waiter and exit listener away with it: the login prober waits
      // for one answer per probe, and their exit listeners piled up on the child (Node's warning at 11).
      return new Promise((resolve, reject) => {
        const waiter = { kind, resolve: (m: any) => (settle(), resolve(m)) };
        const exited = () => (settle(), reject(new Error(`the fault's load process exited (waiting for ${kind})`)));
        const timer = setTimeout(() => (settle(), reject(new Error(`the fault's load process sent no ${kind} in ${timeoutMs} ms`))), timeoutMs);
        function settle() {
          clearTimeout(timer);
          child.off('exit', exited);
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
        }
        waiters.push(waiter);
        child.once('exit', exited);
      });
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ op: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
