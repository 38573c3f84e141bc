// CPU pinning as compare.sh does it (taskset): the server on one core, the generator on another,
// so each side's figure is one core's worth and they do not steal from each other.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pins every thread of the process to the CPU; a missing taskset is a warning, not a failure. */
export async function pinToCpu(pid: number, cpu: number): Promise<boolean> {
  try {
    await run('taskset', ['-a', '-c', '-p', String(cpu), String(pid)], { timeout: 5000 });
    return true;
  } catch (err) {
    process.stderr.write(`warning: could not pin pid ${pid} to CPU ${cpu}: ${(err as Error).message}\n`);
    return false;
  }
}
