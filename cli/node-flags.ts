// How every Pampero process is started: the V8 flags (package.json `start`, the `pampero`
// executable's shebang, the Dockerfile, the systemd units, `pampero cluster up`, the load-test
// tool) and, for launchers that do not start the `pampero` executable, the preload it begins with.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Type only: importing the module itself from an ES module would run it after libuv's pool started.
import type { V8ThreadsState } from './v8-threads.cjs';

// --max-semi-space-size=4: the young generation may grow to 2 × 4 MiB instead of V8's 2 × 16 MiB.
// V8 grows it during a burst (a login storm, a load test) and gives it back only in a full
// collection after 5 s of low allocation (memory.idleGc makes one, shared/runtime/idle-gc.ts).
// Kept for the pauses: during a login storm a scavenge of 2 × 16 MiB took 2.2–2.5 ms, of 2 × 4 MiB
// about 1.1 ms (docs/benchmarks.md, twenty-sixth session). Chat throughput is not measurably lower.
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * The built cli/v8-threads.cjs (V8's startup threads to SCHED_BATCH). From the sources (jest) it is
 * dist/'s; from a build, the file beside this module.
 */
export function v8ThreadsPreload(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  return moduleUrl.endsWith('.ts') ? join(here, '..', 'dist', 'cli', 'v8-threads.cjs') : join(here, 'v8-threads.cjs');
}

/** What cli/v8-threads.cjs did in this process; undefined when it was not loaded. */
export function v8ThreadsState(): V8ThreadsState | undefined {
  return (globalThis as { [key: symbol]: V8ThreadsState | undefined })[Symbol.for('pampero.v8Threads')];
}
