import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../../shared/config/load.js';
import { GENERATOR_CPUS, GENERATOR_NICE, parsePinning } from './cpu-pinning.js';

describe('fault run pinning', () => {
  test('parses server:generators CPU lists', () => {
    expect(parsePinning('0:1')).toEqual({ server: '0', generators: '1' });
    expect(parsePinning('0-1:2,3')).toEqual({ server: '0-1', generators: '2,3' });
    expect(parsePinning('0')).toBeUndefined();
  });

  test("the generators' environment does not stop the fleet's Pampero processes from starting", () => {
    // Fleet faults start Pampero processes that inherit this process's environment.
    expect(() => readConfig({ env: { [GENERATOR_CPUS]: '1', [GENERATOR_NICE]: '-10' } })).not.toThrow();
  });
});

// pinFaultRun in a real process started with the pampero executable's preload (V8's helpers under
// SCHED_BATCH), from the build: its threads' CPUs read back from /proc.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const preload = join(root, 'dist', 'cli', 'v8-threads.cjs');
const pinning = join(root, 'dist', 'loadtest', 'faults', 'cpu-pinning.js');
const whenPinnable = existsSync(preload) && existsSync(pinning) && process.platform === 'linux' && availableParallelism() >= 2 ? test : test.skip;

function pinnedThreads(helpersOn: string): { helpersMoved: number; threads: Array<{ batch: boolean; cpus: string }> } {
  const script = `
    import { readdirSync, readFileSync } from 'node:fs';
    const { pinFaultRun } = await import(${JSON.stringify(pinning)});
    const { helpersMoved } = await pinFaultRun({ server: '0', generators: '1' }, ${JSON.stringify(helpersOn)});
    const threads = readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      const status = readFileSync('/proc/self/task/' + tid + '/status', 'utf8');
      return { batch: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]) === 3, cpus: /Cpus_allowed_list:\\s*(\\S+)/.exec(status)[1] };
    });
    console.log(JSON.stringify({ helpersMoved, threads }));`;
  const run = spawnSync(process.execPath, ['--require', preload, '--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

whenPinnable("a pinned run puts V8's helper threads with the generators and everything else on the server's CPU", () => {
  const { helpersMoved, threads } = pinnedThreads('generators');
  const helpers = threads.filter((t) => t.batch);
  expect(helpers.length).toBeGreaterThanOrEqual(1);
  expect(helpersMoved).toBe(helpers.length);
  expect(helpers.every((t) => t.cpus === '1')).toBe(true);
  expect(threads.filter((t) => !t.batch).every((t) => t.cpus === '0')).toBe(true);
});

whenPinnable("helpersOn 'server' keeps V8's helper threads on the server's CPU", () => {
  const { helpersMoved, threads } = pinnedThreads('server');
  expect(helpersMoved).toBe(0);
  expect(threads.every((t) => t.cpus === '0')).toBe(true);
});
