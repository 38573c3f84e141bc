// PBKDF2 for logins (SASL PLAIN against stored SCRAM keys) on worker threads at the lowest CPU
// priority: SCHED_IDLE (Linux, with chrt as cli/v8-threads.cts does; nice 19 where chrt fails;
// elsewhere the process's priority).
//
// On libuv's thread pool a derivation competes with the event loop as an equal: where the server
// has one core (a container's CPU limit, or the fault suite's pinned process), the kernel shares it
// half and half, so during a storm of PLAIN logins every turn of the loop took twice as long and
// everyone's chat messages waited (issue 11, the login-storm fault: A↔B p99 up to 3× its baseline).
// Nice 19 and not just nicer: at 10 steps below the loop (CFS weights ≈ 9:1) the kernel still let
// a derivation finish its slice before the woken loop ran, and the storm took 40 % of the core.
// SCHED_IDLE rather than nice 19: a waking normal thread always preempts an idle one at once, while
// at nice 19 the woken loop could still wait for the rest of a derivation's slice (1–3 ms: as much
// as the whole baseline p99 once V8's helpers no longer interrupt the loop, docs/benchmarks.md,
// twenty-second session; not measured on its own). Safe here, unlike for V8's helpers
// (cli/v8-threads.cts): nothing waits for a derivation but its login, which its deadline bounds.
// A derivation gets what the sessions leave; with an idle core it runs at full speed as
// before, and on a saturated one logins wait (and past c2s.authTimeoutSeconds fail with
// temporary-auth-failure) instead of the sessions. How many run at once is the login bulkhead's (`passwordHashing`,
// c2s.maxPasswordHashes); this pool has that many threads at most, started when first needed.
import { pbkdf2 } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';
import { HELPER_THREADS_ENV } from '../config/env-layer.js';

/** The hashing threads' nice value: their priority where chrt cannot make them SCHED_IDLE. */
export const BACKGROUND_NICE = 19;

// CommonJS, run by `new Worker(…, { eval: true })`. /proc/thread-self names the calling thread,
// and on Linux setpriority(PRIO_PROCESS, tid) and sched_setscheduler(tid) change that thread alone.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pbkdf2Sync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
  if (workerData.idle) require('node:child_process').execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore' });
} catch {}
parentPort.on('message', (job) => {
  try {
    const key = pbkdf2Sync(job.password, job.salt, job.iterations, job.keylen, job.digest);
    parentPort.postMessage({ id: job.id, key });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) });
  }
});
`;

interface Job {
  id: number;
  password: string;
  salt: Buffer;
  iterations: number;
  keylen: number;
  digest: string;
  resolve(key: Buffer): void;
  reject(err: Error): void;
}

interface HashThread {
  worker: Worker;
  job: Job | undefined;
}

const poolPbkdf2 = promisify(pbkdf2);
let maxThreads = 1;
const threads: HashThread[] = [];
/** Jobs waiting for a thread: bounded by the login bulkhead (at most its hash slots run, the rest wait there). */
const waiting: Job[] = [];
let nextId = 0;
/** Set when a thread could not be started: from then on libuv's pool does the work, as before. */
let unavailable = false;

/** At most this many hashing threads (the login bulkhead's hash slots, cli/roles.ts via configureLogins). */
export function configureBackgroundHashing(threadsAtMost: number): void {
  maxThreads = Math.max(1, threadsAtMost);
}

/** crypto.pbkdf2 on a low-priority thread. */
export function backgroundPbkdf2(password: string, salt: Buffer, iterations: number, keylen: number, digest: string): Promise<Buffer> {
  if (unavailable) return poolPbkdf2(password, salt, iterations, keylen, digest);
  return new Promise<Buffer>((resolve, reject) => {
    waiting.push({ id: ++nextId, password, salt, iterations, keylen, digest, resolve, reject });
    dispatch();
  });
}

function dispatch(): void {
  while (waiting.length > 0) {
    const idle = threads.find((t) => t.job === undefined) ?? startThread();
    if (!idle) return;
    const job = waiting.shift()!;
    idle.job = job;
    idle.worker.ref(); // a derivation in progress keeps the process up
    const { resolve: _r, reject: _j, ...message } = job;
    idle.worker.postMessage(message);
  }
}

function startThread(): HashThread | undefined {
  if (threads.length >= maxThreads) return undefined;
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: BACKGROUND_NICE, idle: process.env[HELPER_THREADS_ENV] !== 'normal' }, name: 'pampero-pbkdf2' });
  } catch {
    unavailable = true;
    for (const job of waiting.splice(0)) poolPbkdf2(job.password, job.salt, job.iterations, job.keylen, job.digest).then(job.resolve, job.reject);
    return undefined;
  }
  const thread: HashThread = { worker, job: undefined };
  worker.unref();
  worker.on('message', (reply: { id: number; key?: Uint8Array; error?: string }) => {
    const job = thread.job;
    if (!job || job.id !== reply.id) return;
    thread.job = undefined;
    worker.unref();
    if (reply.key) job.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
    else job.reject(new Error(reply.error ?? 'PBKDF2 failed'));
    dispatch();
  });
  // A thread that dies fails its job (the login gets a SASL failure) and is replaced at the next.
  const gone = (err: Error) => {
    const i = threads.indexOf(thread);
    if (i < 0) return;
    threads.splice(i, 1);
    thread.job?.reject(err);
    thread.job = undefined;
    dispatch();
  };
  worker.on('error', gone);
  worker.on('exit', (code) => gone(new Error(`the hashing thread exited (${code})`)));
  threads.push(thread);
  return thread;
}

/** Ends the hashing threads (tests; a stopping process needs nothing: they are unref'd when idle). */
export async function stopBackgroundHashing(): Promise<void> {
  const all = threads.splice(0);
  await Promise.all(all.map((t) => t.worker.terminate()));
  for (const t of all) t.job?.reject(new Error('hashing stopped'));
}
