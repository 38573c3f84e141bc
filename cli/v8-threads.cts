// Puts the threads Node starts with (V8's platform workers: garbage-collection helpers,
// concurrent compilation; its delayed-task thread) at SCHED_IDLE, leaving the event loop and
// libuv's pool (LMDB, file system) at normal priority.
//
// Why: when the event loop wakes them they preempt it and run 1–7 ms while it waits; on a busy
// core that is most of the chat load's tail latency, and the fault scenario's slow readers missed
// their 2× because of it. Idle, they run when the core has nothing else to do (V8's main thread
// does their work itself when they lag). Measured: docs/benchmarks.md, twenty-first and
// twenty-second sessions; docs/isolation.md.
//
// Must run before anything starts libuv's pool: the `pampero` executable (cli/pampero.cts)
// requires it first, other launchers pass `--require` (cli/node-flags.ts). An ES module comes too
// late: the ES module loader reads files through the pool, and its threads look just the same.
// PAMPERO_V8_THREADS=normal leaves every thread as it is.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** What this file did, for the server's start-up log and tests (read by cli/node-flags.ts). */
interface V8ThreadsState {
  priority: 'idle' | 'normal';
  threads: number;
  reason?: string;
}

const STATE = Symbol.for('pampero.v8Threads');

function idleStartupThreads(): V8ThreadsState {
  const wanted = process.env.PAMPERO_V8_THREADS ?? 'idle';
  if (wanted === 'normal') return { priority: 'normal', threads: 0, reason: 'PAMPERO_V8_THREADS=normal' };
  if (wanted !== 'idle') {
    process.stderr.write(`pampero: PAMPERO_V8_THREADS: "${wanted}" is not one of idle, normal\n`);
    process.exit(2);
  }
  if (process.platform !== 'linux') return { priority: 'normal', threads: 0, reason: `SCHED_IDLE is Linux only (${process.platform})` };
  const tids = readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid));
  try {
    // chrt (util-linux, in every Debian) rather than a native addon: six calls, about 15 ms once.
    for (const tid of tids) execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore' });
  } catch (err) {
    return { priority: 'normal', threads: 0, reason: `chrt failed: ${(err as Error).message.split('\n')[0]}` };
  }
  return { priority: 'idle', threads: tids.length };
}

// Workers have no startup threads of their own; a second require (preload and launcher) is a no-op.
const holder = globalThis as { [STATE]?: V8ThreadsState };
if (isMainThread && holder[STATE] === undefined) holder[STATE] = idleStartupThreads();
