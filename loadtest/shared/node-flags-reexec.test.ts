// The fault scenario runs the server in its own process: it restarts itself with production's V8
// flags and the `pampero` executable's preload (V8's startup threads under SCHED_BATCH).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS, v8ThreadsPreload } from '../../cli/node-flags.js';
import { missingNodeFlags } from './node-flags-reexec.js';

test('the flags a process lacks are the production flags not on its command line', () => {
  expect(missingNodeFlags([])).toEqual([...NODE_FLAGS]);
  expect(missingNodeFlags(['--inspect', ...NODE_FLAGS])).toEqual([]);
});

const module = join(process.cwd(), 'dist/loadtest/shared/node-flags-reexec.js');
(existsSync(module) && existsSync(v8ThreadsPreload()) ? test : test.skip)('a command started without them runs again with them and the preload, with its arguments and exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pampero-flags-'));
  const script = join(dir, 'command.mjs');
  writeFileSync(script, `
    import { rerunWithNodeFlags } from ${JSON.stringify(module)};
    const rerun = rerunWithNodeFlags();
    if (rerun) process.exit(await rerun);
    console.log(JSON.stringify({ flags: process.execArgv, args: process.argv.slice(2), preloaded: globalThis[Symbol.for('pampero.v8Threads')] !== undefined }));
    process.exit(3);`);
  const run = spawnSync(process.execPath, [script, 'a', '--b'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  expect(run.status).toBe(3);
  expect(JSON.parse(run.stdout)).toEqual({ flags: [...NODE_FLAGS, '--require', v8ThreadsPreload()], args: ['a', '--b'], preloaded: true });
});
