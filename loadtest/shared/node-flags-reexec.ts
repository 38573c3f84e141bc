// A load-test command that runs Pampero inside its own process (the fault scenario) measures it
// with production's V8 flags (cli/node-flags.ts) only if it was started with them: without
// `--max-semi-space-size=4` V8's young generation is 4× larger, so scavenges come rarer and take
// longer, and pauses differ from a real server's (docs/benchmarks.md, tenth session). Nor, without
// the `pampero` executable's preload (cli/v8-threads.cts), are V8's startup threads under
// SCHED_BATCH as a server's are. Such a command starts itself again with the flags and the preload when they
// are missing.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync } from 'node:fs';
import { NODE_FLAGS, v8ThreadsPreload, v8ThreadsState } from '../../cli/node-flags.js';

/** Flags of NODE_FLAGS this process was not started with. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}

/**
 * undefined when this process already has the flags and the preload; otherwise runs this same
 * command again with them (same arguments, environment and terminal) and resolves to its exit code.
 */
export function rerunWithNodeFlags(): Promise<number> | undefined {
  const preload = v8ThreadsPreload();
  // Without a build (run from the sources) there is no preload to add: go on without it.
  const preloadArgs = v8ThreadsState() === undefined && existsSync(preload) ? ['--require', preload] : [];
  const wanted = [...missingNodeFlags(), ...preloadArgs];
  if (wanted.length === 0) return undefined;
  const child = spawn(process.execPath, [...wanted, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))));
}
