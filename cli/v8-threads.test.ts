// V8's startup threads under SCHED_BATCH (cli/v8-threads.cts), checked on the built files in real
// processes through /proc. Runs only where `npm run build` made dist/ (npm test builds first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../test/support/free-port.js';
import { v8ThreadsPreload } from './node-flags.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const preload = join(root, 'dist', 'cli', 'v8-threads.cjs');
const bin = join(root, 'dist', 'cli', 'pampero.cjs');
const whenBuilt = existsSync(preload) && existsSync(bin) && process.platform === 'linux' ? test : test.skip;
const SCHED_OTHER = 0;
const SCHED_BATCH = 3;

/** Field 41 of /proc/<pid>/task/<tid>/stat: the thread's scheduling policy. */
function policies(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]));
  }
  return out;
}

// Lists every thread's policy after libuv's pool has started (an fs.readFile goes through it).
const PROBE = `
const fs = require('fs');
fs.readFile(__filename === '[eval]' ? '/proc/self/stat' : __filename, () => {
  const threads = fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
    return { tid: Number(tid), policy: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]) };
  });
  console.log(JSON.stringify({ pid: process.pid, threads, state: globalThis[Symbol.for('pampero.v8Threads')] ?? null }));
});`;

function probe(env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, ['--require', preload, '-e', PROBE], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { status: run.status, stderr: run.stderr, out: run.status === 0 ? JSON.parse(run.stdout) : undefined };
}

test('the preload is the built file beside node-flags, dist/ when run from the sources', () => {
  expect(v8ThreadsPreload('file:///app/dist/cli/node-flags.js')).toBe('/app/dist/cli/v8-threads.cjs');
  expect(v8ThreadsPreload('file:///src/cli/node-flags.ts')).toBe('/src/dist/cli/v8-threads.cjs');
});

whenBuilt("V8's startup threads run under SCHED_BATCH; the event loop and libuv's pool stay as they were", () => {
  const { status, stderr, out } = probe();
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  const batch = out.threads.filter((t: { policy: number }) => t.policy === SCHED_BATCH);
  const normal = out.threads.filter((t: { policy: number }) => t.policy === SCHED_OTHER);
  expect(out.state).toEqual({ policy: 'SCHED_BATCH', threads: batch.length });
  expect(batch.length).toBeGreaterThanOrEqual(1);
  expect(normal.map((t: { tid: number }) => t.tid)).toContain(out.pid); // the main thread
  expect(normal.length).toBeGreaterThanOrEqual(2); // ... and the pool the readFile started
  expect(batch.length + normal.length).toBe(out.threads.length);
});

whenBuilt('PAMPERO_HELPER_THREADS=normal leaves every thread as it was', () => {
  const { status, out } = probe({ PAMPERO_HELPER_THREADS: 'normal' });
  expect(status).toBe(0);
  expect(out.threads.every((t: { policy: number }) => t.policy === SCHED_OTHER)).toBe(true);
  expect(out.state).toEqual({ policy: 'unchanged', threads: 0, reason: 'PAMPERO_HELPER_THREADS=normal' });
});

whenBuilt('an unknown PAMPERO_HELPER_THREADS value is one line and exit code 2', () => {
  const { status, stderr } = probe({ PAMPERO_HELPER_THREADS: 'idle' });
  expect(status).toBe(2);
  expect(stderr.trim()).toBe('pampero: PAMPERO_HELPER_THREADS: "idle" is not one of low, normal');
});

whenBuilt('a server started by the pampero executable has its startup threads under SCHED_BATCH and says so in its log', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-v8threads-'));
  const [c2s, component, http] = await freePorts(3);
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dataDir, '--log-level', 'info'], {
    env: {
      PATH: process.env.PATH,
      PAMPERO_C2S__HOST: '127.0.0.1',
      PAMPERO_HTTP__HOST: '127.0.0.1',
      PAMPERO_C2S_PORT: String(c2s),
      PAMPERO_C2S_TLS_PORT: '0',
      PAMPERO_COMPONENT_PORT: String(component),
      PAMPERO_HTTP_PORT: String(http),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes(`:${http}`) && stdout.includes('V8 startup threads')) resolve();
      });
      child.once('exit', () => reject(new Error('pampero start exited early')));
    });
    const threads = policies(child.pid!);
    expect(threads.get(child.pid!)).toBe(SCHED_OTHER);
    const batch = [...threads.values()].filter((p) => p === SCHED_BATCH).length;
    expect(batch).toBeGreaterThanOrEqual(1);
    expect([...threads.values()].filter((p) => p === SCHED_OTHER).length).toBeGreaterThanOrEqual(2); // main + pool, LMDB
    const line = stdout.split('\n').find((l) => l.includes('V8 startup threads'));
    expect(JSON.parse(line!).v8Threads).toEqual({ policy: 'SCHED_BATCH', threads: batch });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
