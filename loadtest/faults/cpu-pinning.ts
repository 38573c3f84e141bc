// CPU pinning of a fault run (`--pin 0:1`), as loadtest/compare.sh and ../shared/anchors pin a
// server and its load driver (`nice -n -10 taskset -c N`): this process — the server under test,
// the A↔B chat and the probes all run in it — on one set of CPUs, the fault's load generators (the
// slow readers, the flooder, the login storm) on another, both at nice -10 where allowed (root),
// so neither the generators nor other work on a shared machine take the server's core.
//
// V8's helper threads (the ones the pampero executable put under SCHED_BATCH: GC helpers,
// concurrent compilation) go to the generators' CPUs by default, as on any multi-core server,
// where they run beside the event loop, not in turns with it. Confined to the loop's one core,
// they took it from the runnable loop 733 times in 3 s, in slices of up to 5.7 ms (perf trace of
// the slow-readers fault), and that fault missed its 2× in most runs; with them on the other CPU
// it did better, not always within it (docs/benchmarks.md, twenty-third session).
// `helpersOn: 'server'` keeps them with the loop.
//
// The generators' CPUs reach their spawn through the environment, so the fault modules stay
// unchanged.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Not PAMPERO_*: the fleet faults' Pampero processes inherit this environment, and Pampero refuses
// to start on a PAMPERO_ variable that is not one of its settings (a full run with --pin lost its
// two Redis faults to that).
export const GENERATOR_CPUS = 'LOADTEST_FAULT_GENERATOR_CPUS';
export const GENERATOR_NICE = 'LOADTEST_FAULT_GENERATOR_NICE';
/** The anchors' priority for a pinned server and driver. */
const PINNED_NICE = -10;

export interface FaultPinning {
  /** taskset CPU list of this process (server, chat, probes), e.g. "0". */
  server: string;
  /** taskset CPU list of the load generators, e.g. "1". */
  generators: string;
}

/** Where V8's helper threads run in a pinned run: with the generators (default) or with the event loop. */
export type HelpersOn = 'generators' | 'server';

const SCHED_BATCH = 3;

/** This process's threads under SCHED_BATCH: V8's helpers, as cli/v8-threads.cts left them. */
export function batchThreads(): number[] {
  const tids: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]) === SCHED_BATCH) tids.push(Number(tid));
    } catch {
      // the thread ended meanwhile
    }
  }
  return tids;
}

/** "0:1" → { server: "0", generators: "1" }; undefined for anything else. */
export function parsePinning(text: string): FaultPinning | undefined {
  const m = /^([0-9,-]+):([0-9,-]+)$/.exec(text.trim());
  return m ? { server: m[1]!, generators: m[2]! } : undefined;
}

export interface PinOutcome {
  /** Whether the priority was raised (root). */
  raised: boolean;
  /** V8's helper threads moved to the generators' CPUs (0 with helpersOn 'server', or no preload). */
  helpersMoved: number;
}

/**
 * Pins every thread of this process (threads started later inherit it) — V8's helpers to the
 * generators' CPUs unless `helpersOn` is 'server' — raises their priority when allowed, and marks
 * the generators' CPUs for their spawns.
 */
export async function pinFaultRun(pinning: FaultPinning, helpersOn: HelpersOn = 'generators'): Promise<PinOutcome> {
  await run('taskset', ['-a', '-c', '-p', pinning.server, String(process.pid)], { timeout: 5000 });
  const helpers = helpersOn === 'generators' ? batchThreads() : [];
  for (const tid of helpers) await run('taskset', ['-c', '-p', pinning.generators, String(tid)], { timeout: 5000 });
  process.env[GENERATOR_CPUS] = pinning.generators;
  let raised = true;
  // On Linux the nice value is per thread: each one of this process (the event loop's included).
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), PINNED_NICE);
    } catch {
      raised = false; // not root: pinned, at the usual priority
    }
  }
  if (raised) process.env[GENERATOR_NICE] = String(PINNED_NICE);
  return { raised, helpersMoved: helpers.length };
}

/** The command line that starts a load generator: through `[nice -n -10] taskset -c CPUS` when the run is pinned. */
export function generatorCommand(command: string, args: string[]): [string, string[]] {
  const cpus = process.env[GENERATOR_CPUS];
  if (!cpus) return [command, args];
  const nice = process.env[GENERATOR_NICE];
  return nice ? ['nice', ['-n', nice, 'taskset', '-c', cpus, command, ...args]] : ['taskset', ['-c', cpus, command, ...args]];
}
