// Server memory and CPU from /proc, read the way xmppbench does (VmRSS summed over the PIDs,
// utime+stime in clock ticks), plus the machine's busy time so CPU used by anything else during
// a run ("foreign", other jobs on a shared host) shows in the report.
import { readFileSync } from 'node:fs';

/** Linux USER_HZ; sysconf is not reachable from Node, and it is 100 on every common build. */
const CLOCK_TICKS_PER_S = 100;

export function rssKiB(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // the process is gone: it counts as 0, like xmppbench
    }
  }
  return total;
}

/** CPU seconds (user + system) used so far by the PIDs. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICKS_PER_S;
}

/** Seconds the whole machine was busy (all but idle and iowait). */
export function machineBusySeconds(): number {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = first.split(/\s+/).slice(1, 9).map(Number);
    return (v.reduce((a, b) => a + b, 0) - v[3] - v[4]) / CLOCK_TICKS_PER_S;
  } catch {
    return NaN;
  }
}

export interface ServerSample {
  rssKiB: number;
  cpuS: number;
}

/** Tracks server CPU between samples: each sample gives RSS and the CPU share since the last. */
export class ServerSampler {
  private lastCpuS: number;
  private lastAtMs: number;

  constructor(private readonly pids: number[]) {
    this.lastCpuS = cpuSeconds(pids);
    this.lastAtMs = performance.now();
  }

  get enabled(): boolean {
    return this.pids.length > 0;
  }

  /** RSS in KiB and CPU use since the previous sample as a fraction of one core. */
  sample(): { rssKiB: number; cpuShare: number } {
    const now = performance.now();
    const cpu = cpuSeconds(this.pids);
    const share = now > this.lastAtMs ? (cpu - this.lastCpuS) / ((now - this.lastAtMs) / 1000) : 0;
    this.lastCpuS = cpu;
    this.lastAtMs = now;
    return { rssKiB: rssKiB(this.pids), cpuShare: share };
  }
}

export interface CpuBudget {
  wall: number;
  server: number;
  driver: number;
  foreign: number;
}

/** Snapshot for xmppbench's cpu_s = {wall, server, driver, foreign}. */
export function cpuSnapshot(serverPids: number[], generatorCpuS: () => number) {
  return { atMs: performance.now(), busy: machineBusySeconds(), server: cpuSeconds(serverPids), driver: generatorCpuS() };
}

export function cpuBudget(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>): CpuBudget {
  const r = (x: number) => Math.round(x * 10) / 10;
  const server = b.server - a.server;
  const driver = b.driver - a.driver;
  return { wall: r((b.atMs - a.atMs) / 1000), server: r(server), driver: r(driver), foreign: r(b.busy - a.busy - server - driver) };
}
