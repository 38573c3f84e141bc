#!/usr/bin/env -S node --max-semi-space-size=4
// The `pampero` executable (package.json "bin": dist/cli/pampero.cjs). CommonJS so that its first
// step, V8's startup threads to SCHED_BATCH (./v8-threads.cts), runs before the ES module loader
// starts libuv's pool; then the program itself (./main.ts).
import './v8-threads.cjs';
import('./main.js').catch((err: unknown) => {
  process.stderr.write(`pampero: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
