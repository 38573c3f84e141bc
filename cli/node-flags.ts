// How every Pampero process is started: the V8 flags (package.json `start`, the `pampero`
// executable's shebang, the Dockerfile, the systemd units, `pampero cluster up`, the load-test
// tool) and, for launchers that do not start the `pampero` executable, the preload it begins with.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Type only: importing the module itself from an ES module would run it after libuv's pool started.
import type { V8ThreadsState } from './v8-threads.cjs';

// --max-semi-space-size=4: the young generation may grow to 2 × 4 MiB instead of V8's 2 × 16 MiB.
// V8 grows it during a burst (a login storm, a load test) and never gives it back, so a gateway
// kept ≈ 24 MiB more than it needs for as long as it lived: 2.4 KiB per session at 10,000
// sessions (docs/benchmarks.md, idle sessions). Chat throughput is not measurably lower.
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
