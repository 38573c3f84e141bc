// The lmdb native module every process loads is the one rebuilt with the fix for LMDB bug ITS#9496
// (scripts/lmdb-its9496.mjs, run by `npm install` and the test set-up): without it, a process
// opening a data directory while another commits can make that commit vanish (lmdb-env.ts).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(join(ROOT, 'package.json'));
const lmdbDir = join(dirname(require.resolve('lmdb')), '..');

test('lmdb loads its module built from the LMDB source with the ITS#9496 fix', () => {
  const version = JSON.parse(readFileSync(join(lmdbDir, 'package.json'), 'utf8')).version as string;
  const source = readFileSync(join(lmdbDir, 'dependencies/lmdb/libraries/liblmdb/mdb.c'), 'utf8');
  expect(source).toContain('\n\tif (prev && env->me_txns)\n\t\tenv->me_txns->mti_txnid = meta.mm_txnid;');
  const stamp = join(lmdbDir, 'build/Release/its9496.stamp');
  expect(existsSync(stamp) && readFileSync(stamp, 'utf8').trim()).toBe(version);
  // What lmdb itself resolves (node-gyp-build-optional-packages, as lmdb's native loader calls it):
  // a local build/Release wins over the prebuilt @lmdb/lmdb-linux-x64 package.
  const lmdbRequire = createRequire(join(lmdbDir, 'package.json'));
  const loader = lmdbRequire('node-gyp-build-optional-packages/node-gyp-build.js') as { resolve(dir: string): string };
  expect(loader.resolve(lmdbDir)).toBe(join(lmdbDir, 'build/Release/lmdb.node'));
});
