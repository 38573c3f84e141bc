// Puts the threads Node starts with (V8's platform workers: garbage-collection helpers,
// concurrent compilation; its delayed-task thread) under SCHED_BATCH, leaving the event loop and
// libuv's pool (LMDB, file system) as they are.
//
// Why: a normal thread the event loop wakes may preempt it at once, and V8's helpers then ran
// 1–7 ms while the loop waited; on a busy core that was most of the chat load's tail latency, and
// the fault scenario's slow readers missed their 2× because of it. A SCHED_BATCH thread never
// preempts on wake-up (only at the scheduler's tick, by its fair share) and keeps its full share of
// the CPU. Not SCHED_IDLE: that share is 0.3 % of a normal thread's, so on a core that other
// processes keep busy a helper could wait seconds — and V8's main thread sometimes waits for its
// helpers (a 3.5 s and a 9.7 s stall in a fault run with fleet processes on the same core).
// Measured: docs/benchmarks.md, twenty-first and twenty-second sessions; docs/isolation.md.
//
// Must run before anything starts libuv's pool: the `pampero` executable (cli/pampero.cts)
// requires it first, other launchers pass `--require` (cli/node-flags.ts). An ES module comes too
// late: the ES module loader reads files through the pool, and its threads look just the same.
// PAMPERO_HELPER_THREADS=normal leaves every thread as it is.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** What this file did, for the server's start-up log and tests (read by cli/node-flags.ts). */
export interface V8ThreadsState {
  policy: 'SCHED_BATCH' | 'unchanged';
  threads: number;
  reason?: string;
}

const STATE = Symbol.for('pampero.v8Threads');

function lowerStartupThreads(): V8ThreadsState {
  const wanted = process.env.PAMPERO_HELPER_THREADS ?? 'low';
  if (wanted === 'normal') return { policy: 'unchanged', threads: 0, reason: 'PAMPERO_HELPER_THREADS=normal' };
  if (wanted !== 'low') {
    process.stderr.write(`pampero: PAMPERO_HELPER_THREADS: "${wanted}" is not one of low, normal\n`);
    process.exit(2);
  }
  if (process.platform !== 'linux') return { policy: 'unchanged', threads: 0, reason: `SCHED_BATCH is Linux only (${process.platform})` };
  const tids = readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid));
  try {
    // chrt (util-linux, in every Debian) rather than a native addon: six calls, about 15 ms once.
    for (const tid of tids) execFileSync('chrt', ['--batch', '--pid', '0', tid], { stdio: 'ignore' });
  } catch (err) {
    return { policy: 'unchanged', threads: 0, reason: `chrt failed: ${(err as Error).message.split('\n')[0]}` };
  }
  return { policy: 'SCHED_BATCH', threads: tids.length };
}

// Workers have no startup threads of their own; a second require (preload and launcher) is a no-op.
const holder = globalThis as { [STATE]?: V8ThreadsState };
if (isMainThread && holder[STATE] === undefined) holder[STATE] = lowerStartupThreads();
