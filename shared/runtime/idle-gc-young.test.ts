// The idle collection's give-back of the young generation against the real V8 (shared/runtime/
// idle-gc.ts): V8 shrinks it only in a full collection after about 5 s of low allocation, an
// internal rule a Node upgrade may change. Runs the built module with production's flag in a
// child process; only where `npm run build` made dist/ (npm test builds first).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_FLAGS } from '../../cli/node-flags.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = join(root, 'dist', 'shared', 'runtime', 'idle-gc.js');
const whenBuilt = existsSync(built) ? test : test.skip;

// A burst whose objects live a while (so V8 grows the young generation), then quiet: the idle
// collector, checking every 200 ms, must give the young generation back (in about 6 s; 25 s are
// allowed, for a loaded machine).
const PROBE = `
import { startIdleGc, youngGenerationBytes, YOUNG_GROWN_BYTES } from ${JSON.stringify(pathToFileURL(built).href)};
let keep = [];
for (let round = 0; round < 200; round++) {
  for (let i = 0; i < 20000; i++) keep.push({ a: i, b: 'x' + i, c: [i] });
  if (keep.length > 200000) keep = keep.slice(100000);
}
keep = [];
const grown = youngGenerationBytes();
const started = Date.now();
let collections = 0;
const gc = startIdleGc({ minGrowthBytes: 1 << 30, checkMs: 200, onCollect: () => collections++ });
const poll = setInterval(() => {
  const young = youngGenerationBytes();
  if (young <= YOUNG_GROWN_BYTES || Date.now() - started > 25_000) {
    clearInterval(poll);
    gc.stop();
    console.log(JSON.stringify({ grown, young, collections, ms: Date.now() - started }));
  }
}, 100);
`;

whenBuilt('a quiet process gives back the young generation a burst grew, with two idle collections', () => {
  const run = spawnSync(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', PROBE], { encoding: 'utf8', timeout: 45_000 });
  expect(run.stderr).toBe('');
  const out = JSON.parse(run.stdout) as { grown: number; young: number; collections: number; ms: number };
  expect({ ...out, grown: out.grown > 4 * 1024 * 1024, young: out.young <= 4 * 1024 * 1024 }).toEqual({ grown: true, young: true, collections: 2, ms: out.ms });
}, 60_000);
