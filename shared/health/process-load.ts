// This process's load between two samples, as the cluster heartbeat reports it: CPU (percent of
// one core since the previous sample), mean event-loop delay since then, RSS and heap in use.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const LAG_RESOLUTION_MS = 20;

export interface ProcessLoad {
  cpuPercent: number;
  eventLoopLagMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export class ProcessLoadSampler {
  private readonly lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  constructor() {
    this.lag.enable();
  }

  /** The load since the previous sample (or since construction), and resets the window. */
  sample(): ProcessLoad {
    const cpu = process.cpuUsage();
    const at = performance.now();
    const usedMs = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000;
    const cpuPercent = at > this.lastAt ? Math.round((usedMs / (at - this.lastAt)) * 1000) / 10 : 0;
    this.lastCpu = cpu;
    this.lastAt = at;
    // The histogram measures whole timer periods: the delay is what exceeds the resolution.
    const mean = this.lag.mean;
    const eventLoopLagMs = Number.isFinite(mean) ? Math.max(0, Math.round((mean / 1e6 - LAG_RESOLUTION_MS) * 10) / 10) : 0;
    this.lag.reset();
    const memory = process.memoryUsage();
    return { cpuPercent, eventLoopLagMs, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed };
  }

  close(): void {
    this.lag.disable();
  }
}
