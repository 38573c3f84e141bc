// Once a second: asks every worker for its counters, merges the latency of the last second,
// samples the server from /proc, prints one progress line and keeps the point for the report's
// time series. It also tracks the generator's own CPU per process, so a saturated generator is
// visible (a step it fails is then its limit, not the server's).
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { ServerSampler } from '../stats/proc-sampler.js';
import { generatorCpuS } from '../worker/scenario-worker.js';
import type { WorkerPool } from './worker-pool.js';

export interface TimelinePoint {
  tS: number;
  connected: number;
  sentPerS: number;
  receivedPerS: number;
  p50Ms: number | null;
  p99Ms: number | null;
  serverRssMiB: number | null;
  serverCpuPct: number | null;
  generatorCpuPct: number;
}

export interface GeneratorUse {
  processes: number;
  cpuS: number;
  /** Highest one-second CPU share of any generator process, % of one core. */
  peakCorePct: number;
  secondsAbove80Pct: number;
}

const SATURATED = 0.8;

export class ProgressMonitor {
  readonly timeline: TimelinePoint[] = [];
  private readonly sampler: ServerSampler;
  private readonly start = performance.now();
  private last = { atMs: performance.now(), sent: 0, received: 0, cpu: [] as number[] };
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private peakShare = 0;
  private secondsAbove = 0;
  private cpuTotals: number[] = [];
  /** CPU seconds of each generator process when the run began (workers: at their first report). */
  private firstCpu: number[] = [];

  constructor(private readonly pool: WorkerPool, serverPids: number[], private readonly print: (line: string) => void) {
    this.sampler = new ServerSampler(serverPids);
  }

  begin(): void {
    this.last.cpu = [generatorCpuS()];
    this.firstCpu = [generatorCpuS()];
    this.timer = setInterval(() => void this.poll(), 1000);
  }

  async end(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  generatorUse(): GeneratorUse {
    return {
      processes: this.pool.forked ? this.pool.size + 1 : 1,
      cpuS: Math.round(this.cpuTotals.reduce((a, b) => a + b, 0) * 10) / 10,
      peakCorePct: Math.round(this.peakShare * 100),
      secondsAbove80Pct: this.secondsAbove,
    };
  }

  /** The coordinator's CPU first, then each forked worker's (as last reported). */
  private processCpu(workerCpu: number[]): number[] {
    return [generatorCpuS(), ...workerCpu];
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow answer must not pile polls up
    this.polling = true;
    try {
      const replies = await Promise.all(this.pool.workers.map((w) => w.request({ op: 'progress' }, 5000)));
      const now = performance.now();
      const dt = (now - this.last.atMs) / 1000;
      const window = new LatencyHistogram(7);
      let connected = 0, sent = 0, received = 0;
      for (const r of replies) {
        connected += r.connected;
        sent += r.sent;
        received += r.received;
        window.merge(r.window);
      }
      const cpu = this.processCpu(this.pool.forked ? replies.map((r) => r.cpuS) : []);
      const shares = cpu.map((c, i) => (c - (this.last.cpu[i] ?? c)) / dt);
      const above = shares.some((s) => s > SATURATED);
      if (above) this.secondsAbove++;
      this.peakShare = Math.max(this.peakShare, ...shares);
      this.cpuTotals = cpu.map((c, i) => c - (this.firstCpu[i] ??= c));
      const server = this.sampler.enabled ? this.sampler.sample() : undefined;
      const ms = (us: number) => (Number.isNaN(us) ? null : Math.round(us / 10) / 100);
      const point: TimelinePoint = {
        tS: Math.round((now - this.start) / 100) / 10,
        connected,
        sentPerS: Math.round((sent - this.last.sent) / dt),
        receivedPerS: Math.round((received - this.last.received) / dt),
        p50Ms: ms(window.percentile(50)),
        p99Ms: ms(window.percentile(99)),
        serverRssMiB: server ? Math.round(server.rssKiB / 102.4) / 10 : null,
        serverCpuPct: server ? Math.round(server.cpuShare * 100) : null,
        generatorCpuPct: Math.round(shares.reduce((a, b) => a + b, 0) * 100),
      };
      this.timeline.push(point);
      this.last = { atMs: now, sent, received, cpu };
      this.print(progressLine(point, above));
    } catch {
      // a worker busy past 5 s skips this second's line; the run itself has its own deadlines
    } finally {
      this.polling = false;
    }
  }
}

export function progressLine(p: TimelinePoint, generatorSaturated: boolean): string {
  const f = (v: number | null, unit: string) => (v === null ? '-' : `${v}${unit}`);
  return `[${p.tS.toFixed(0).padStart(4)} s] clients ${p.connected}  sent ${p.sentPerS}/s  recv ${p.receivedPerS}/s` +
    `  p50 ${f(p.p50Ms, ' ms')}  p99 ${f(p.p99Ms, ' ms')}  server ${f(p.serverRssMiB, ' MiB')} ${f(p.serverCpuPct, '% cpu')}` +
    `  generator ${p.generatorCpuPct}% cpu${generatorSaturated ? '  (generator > 80 % of a core: its limit, not the server\'s)' : ''}`;
}
