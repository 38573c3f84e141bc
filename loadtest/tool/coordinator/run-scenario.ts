// One run of one scenario against one server: workers up, progress once a second, /metrics and
// CPU budgets before and after, the scenario, then everything the reports need in one object.
import { randomInt } from 'node:crypto';
import { cpuBudget, cpuSeconds, cpuSnapshot, rssKiB, type CpuBudget } from '../stats/proc-sampler.js';
import type { SerializedHistogram } from '../stats/latency-histogram.js';
import { environment, type Environment } from '../report/environment.js';
import { changedMetrics, nodeVersionFromMetrics, scrapeMetrics, type MetricChange } from '../report/metrics-scrape.js';
import { ProgressMonitor, type GeneratorUse, type TimelinePoint } from './progress-monitor.js';
import { probeServer, type ServerIdentity } from './server-probe.js';
import { needsLoginWarmUp, runIdle, runLogin, warmUpLogins } from './run-login.js';
import { runRoster } from './run-roster.js';
import { runStepped } from './run-stepped.js';
import { WorkerPool } from './worker-pool.js';
import type { Headline, RunContext, ScenarioOutcome } from './scenario-outcome.js';
import type { LoadtestOptions } from '../options.js';
import type { ScenarioParams } from '../worker/worker-protocol.js';
import { generatorCpuS } from '../worker/scenario-worker.js';
import { pinToCpu } from '../servers/cpu-pinning.js';

export interface RunReport {
  label: string;
  result: Record<string, unknown>;
  headline: Headline[];
  latency: SerializedHistogram;
  latencyLabel: string;
  timeline: TimelinePoint[];
  generator: GeneratorUse & { workers: number };
  cpu: CpuBudget;
  warnings: string[];
  options: LoadtestOptions;
  environment: Environment;
  server: ServerIdentity & { pids: number[]; nodeVersion?: string | null };
  metrics: { changed: MetricChange[]; before: string | null; after: string | null } | null;
}

export function scenarioParams(o: LoadtestOptions): ScenarioParams {
  return {
    scenario: o.scenario, users: o.clients, rooms: o.rooms, occupants: o.occupants, senders: o.senders,
    subscribers: o.subscribers, mucHost: o.mucHost, pubsubHost: o.pubsubHost,
    runTag: `lt${process.pid % 100000}_${randomInt(1e6)}`, stanzaBytes: o.stanzaBytes, tickMs: o.tickMs,
    expectRosterItems: o.expectItems, noEcho: o.noEcho, carbons: o.carbons,
  };
}

async function dispatch(ctx: RunContext): Promise<ScenarioOutcome> {
  switch (ctx.options.scenario) {
    case 'login': return runLogin(ctx);
    case 'idle': return runIdle(ctx);
    case 'roster': return runRoster(ctx);
    default: return runStepped(ctx);
  }
}

export async function runScenario(o: LoadtestOptions, log: (line: string) => void): Promise<RunReport> {
  const deadlineAt = Date.now() + o.deadlineS * 1000;
  const pool = await WorkerPool.start(o.workers, o.target, scenarioParams(o), deadlineAt);
  if (o.generatorCpu !== undefined) for (const pid of [process.pid, ...pool.pids()]) await pinToCpu(pid, o.generatorCpu);
  const ctx: RunContext = { options: o, pool, log, serverRssKiB: () => (o.serverPids.length ? rssKiB(o.serverPids) : null) };
  if (needsLoginWarmUp(o)) await warmUpLogins(ctx); // before /metrics, CPU and progress start
  const monitor = new ProgressMonitor(pool, o.serverPids, o.quiet ? () => {} : log);
  const before = o.metricsUrl ? await scrapeMetrics(o.metricsUrl) : null;
  // CPU of forked workers is read from /proc/PID/stat, the coordinator's from process.cpuUsage
  const generatorCpu = () => generatorCpuS() + (pool.forked ? cpuSeconds(pool.pids()) : 0);
  const c0 = cpuSnapshot(o.serverPids, generatorCpu);
  monitor.begin();
  let outcome: ScenarioOutcome;
  try {
    outcome = await dispatch(ctx);
  } finally {
    await monitor.end();
  }
  const c1 = cpuSnapshot(o.serverPids, generatorCpu);
  await pool.stop();
  const after = o.metricsUrl ? await scrapeMetrics(o.metricsUrl) : null;
  const identity = await probeServer(o.target);
  const cpu = cpuBudget(c0, c1);
  const generator = { ...monitor.generatorUse(), workers: pool.size };
  const warnings = [...outcome.errors.map((e) => `error: ${e}`)];
  if (generator.peakCorePct > 80) {
    warnings.push(`the generator used up to ${generator.peakCorePct} % of a core (${generator.secondsAbove80Pct} s above 80 %): ` +
      'figures may be its limit, not the server\'s; add --workers');
  }
  if (cpu.foreign > 0.1 * cpu.wall) warnings.push(`other processes used ${cpu.foreign} s CPU during the ${cpu.wall} s run: the figures are suspect`);
  if (o.metricsUrl && (before === null || after === null)) warnings.push(`could not scrape ${o.metricsUrl}`);
  const result = {
    ...outcome.result, cpu_s: cpu, label: o.label, transport: o.target.transport, domain: o.target.domain,
    date: new Date().toISOString(), generator: `pampero-loadtest, ${generator.workers} worker(s)`,
  };
  return {
    label: o.label, result, headline: outcome.headline, latency: outcome.latency.serialize(), latencyLabel: outcome.latencyLabel,
    timeline: monitor.timeline, generator, cpu, warnings, options: o, environment: environment(),
    server: { ...identity, pids: o.serverPids, nodeVersion: after ? nodeVersionFromMetrics(after) : null },
    metrics: o.metricsUrl ? { changed: before && after ? changedMetrics(before, after) : [], before, after } : null,
  };
}
