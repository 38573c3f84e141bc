// runPamperoModes' loop: rounds over the mode list, and every run from the provisioned data
// directory. The prepare hook stops each run before a server starts, so only provisioning is real
// (dist/loadtest/provision-pampero.js: `npm run build` first, as for the other loadtest e2e tests).
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseOptions } from '../parse-options.js';
import { runPamperoModes } from './pampero-modes.js';

let dataDir: string;
beforeEach(async () => { dataDir = await mkdtemp(join(tmpdir(), 'modes-test-')); });
afterEach(async () => { await rm(dataDir, { recursive: true, force: true }); });

test('with resetData every mode run of every round starts from the provisioned data directory', async () => {
  const o = parseOptions(['-s', 'chat', '-c', '2', '--provision-count', '2', '--pampero-iterations', '1', '--pampero-data', dataDir]);
  const seen: string[][] = [];
  const outcomes = await runPamperoModes({
    kind: 'test', what: 'test', modes: ['off', 'on'], env: () => ({}), settleMs: 0, resetData: true, rounds: 2,
    async prepare(mode) {
      seen.push((await readdir(dataDir)).sort());
      await writeFile(join(dataDir, `left-by-${mode}`), 'x'); // what a run would leave behind
      throw new Error('stopped before the server start');
    },
  }, o, join(dataDir, 'out'), () => {});
  expect(outcomes.map((x) => `${x.mode} ${x.round} ${x.error}`)).toEqual([
    'off 1 stopped before the server start', 'on 1 stopped before the server start',
    'off 2 stopped before the server start', 'on 2 stopped before the server start',
  ]);
  expect(seen[0]!.length).toBeGreaterThan(0); // the provisioned stores
  expect(seen.every((files) => files.join() === seen[0]!.join())).toBe(true);
  expect(seen[0]!.some((f) => f.startsWith('left-by-'))).toBe(false);
}, 60_000);
