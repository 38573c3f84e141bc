#!/usr/bin/env node
// Rebuilds lmdb-js's native module with the fix for LMDB bug ITS#9496 (fixed upstream in 2021,
// still in the LMDB fork that lmdb-js 3.5.x vendors): mdb_env_open2 stores the meta txnid it read
// at the start of the open into the shared lock file without the write lock. When another process
// commits meanwhile, the shared txnid moves back and the next writer overwrites that commit's meta
// and pages (a lost commit, a corrupt free list: "Invalid null txn id", MDB_BAD_TXN). It bites
// whenever one process opens a data directory that another is writing: the nodes of a local fleet
// restarting, `pampero user add` beside a running server. Upstream's fix is one condition: only
// the process that (re)initialises the lock file stores it. shared/storage/lmdb/lmdb-env.ts and
// docs/cluster.md explain more; lmdb-shared-env.test.ts proves it.
//
// Run by `npm install` (postinstall: best effort, warns when no C++ compiler is there) and by the
// test set-up (`--require`: fails without the fix). Idempotent: a stamp beside the built module
// says which lmdb version was patched. Needs a C++ compiler, make and python3 (node-gyp) and the
// Node headers that Node's Debian/NodeSource packages install (<prefix>/include/node).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const required = process.argv.includes('--require');
const say = (line) => console.log(`lmdb-its9496: ${line}`);

function fail(reason) {
  const text = `${reason}. Without the fix, several processes on one LMDB data directory (a local fleet, ` +
    '`pampero user add` beside a running server) can lose a commit when one of them opens it while another commits ' +
    '(docs/cluster.md). Install g++, make and python3, then run `node scripts/lmdb-its9496.mjs`.';
  if (required) {
    console.error(`lmdb-its9496: ${text}`);
    process.exit(1);
  }
  say(`warning: ${text}`);
  process.exit(0);
}

/** The lmdb package's directory (its exports do not include package.json): up from its entry point. */
function packageDir(name) {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    if (dirname(dir) === dir) throw new Error(`${name}: package directory not found`);
    dir = dirname(dir);
  }
  return dir;
}

const lmdbDir = packageDir('lmdb');
const version = JSON.parse(readFileSync(join(lmdbDir, 'package.json'), 'utf8')).version;
const source = join(lmdbDir, 'dependencies/lmdb/libraries/liblmdb/mdb.c');
const built = join(lmdbDir, 'build/Release/lmdb.node');
const stamp = join(lmdbDir, 'build/Release/its9496.stamp');

const BUGGY = /(\n\tif \()(env->me_txns\)\n\t\tenv->me_txns->mti_txnid = meta\.mm_txnid;)/;
const FIXED = '\n\tif (prev && env->me_txns)\n\t\tenv->me_txns->mti_txnid = meta.mm_txnid;';

if (existsSync(built) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version) {
  say(`lmdb ${version} already built with the fix`);
  process.exit(0);
}

let text = readFileSync(source, 'utf8');
if (!text.includes(FIXED)) {
  if (!BUGGY.test(text)) fail(`lmdb ${version}: the line to fix was not found in mdb.c (a newer lmdb-js may have the fix; check and update this script)`);
  text = text.replace(BUGGY, '$1prev && $2');
  writeFileSync(source, text);
  say(`patched ${source}`);
}

// node-gyp: npm's own (npm sets npm_config_node_gyp in lifecycle scripts), else the one beside npm.
const prefix = dirname(dirname(process.execPath));
const nodeGyp = [process.env.npm_config_node_gyp, join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')]
  .find((p) => p && existsSync(p));
if (!nodeGyp) fail('node-gyp not found (it comes with npm)');
if (!existsSync(join(prefix, 'include/node/node_api.h'))) fail(`the Node headers are not in ${join(prefix, 'include/node')}`);
for (const tool of ['c++', 'make']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    fail(`no ${tool} on this machine`);
  }
}

say(`building lmdb ${version} with the fix (about 30 s)…`);
try {
  execFileSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${prefix}`, '-j', '2'], { cwd: lmdbDir, stdio: ['ignore', 'ignore', 'pipe'] });
} catch (err) {
  fail(`the build failed: ${String(err.stderr ?? err).split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ')}`);
}
writeFileSync(stamp, `${version}\n`);
say(`built ${built}`);
