// Runs one fault the same way every time (issue 11): baseline chat, fault on (with the probes of
// what needs the faulty part), fault off, time until the system recovered by itself, then the
// chat settles and the report says what the unaffected traffic, the probes, memory and the
// recovery did.
import type { Fault, FaultSize, ProbeResult } from './fault.js';
import { SteadyChat, type PhaseStats } from './steady-chat.js';

export interface FaultRunOptions {
  size: FaultSize;
  /**
   * Chat before the fault, ms. Default: as long as the fault, so both p99s are taken over the same
   * number of messages (a 10 s baseline against a 20 s fault compared the 4th slowest of 400 with
   * the 8th of 800, and a rare pause fell in the longer window twice as often).
   */
  baselineMs?: number;
  /** How long the fault stays on, ms (the probes run in it too). Default 4000 (ci) / 20000 (full). */
  faultMs?: number;
  /** Chat messages per second each way. Default 20. */
  ratePerSecond?: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  fault: string;
  description: string;
  size: FaultSize;
  baseline: PhaseStats;
  during: PhaseStats;
  after: PhaseStats;
  /** during.p99 / baseline.p99 */
  p99Ratio: number;
  /** Acknowledged A↔B messages that never arrived. */
  lost: string[];
  notAcked: number;
  probes: ProbeResult[];
  memory: { baselineBytes: number; peakBytes: number; boundBytes: number };
  /** Time from clearing the fault until `recovered()` said yes; null: not within 10 s. */
  recoveredInMs: number | null;
  metrics: Record<string, number>;
  events: string[];
}

/** The recovery bound of issue 11. */
export const RECOVERY_BOUND_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFault(fault: Fault, opts: FaultRunOptions): Promise<FaultReport> {
  const log = opts.log ?? (() => undefined);
  const full = opts.size === 'full';
  const faultMs = opts.faultMs ?? (full ? 20_000 : 4000);
  const baselineMs = opts.baselineMs ?? faultMs;
  log(`${fault.name}: setting up (${opts.size})`);
  const system = await fault.setup(opts.size);
  let chat: SteadyChat | undefined;
  try {
    chat = await SteadyChat.start({ domain: system.domain, a: system.a, b: system.b, ratePerSecond: opts.ratePerSecond });
    await sleep(baselineMs);
    const baselineBytes = system.memoryBytes();
    let peakBytes = baselineBytes;
    const sampler = setInterval(() => (peakBytes = Math.max(peakBytes, system.memoryBytes())), 250);

    log(`${fault.name}: fault on`);
    chat.phase('fault');
    await system.inject();
    const [probes] = await Promise.all([system.probe(), sleep(faultMs)]);
    clearInterval(sampler);
    peakBytes = Math.max(peakBytes, system.memoryBytes());

    log(`${fault.name}: fault off`);
    await system.clear();
    chat.phase('recovery');
    const cleared = Date.now();
    let recoveredInMs: number | null = null;
    while (Date.now() - cleared < RECOVERY_BOUND_MS) {
      if (await system.recovered().catch(() => false)) {
        recoveredInMs = Date.now() - cleared;
        break;
      }
      await sleep(250);
    }
    await sleep(2000); // some recovery-phase chat to compare
    const settled = await chat.settle();
    const metrics = await system.bulkheadMetrics().catch(() => ({}));
    const baseline = chat.stats('baseline');
    const during = chat.stats('fault');
    return {
      fault: fault.name, description: fault.description, size: opts.size,
      baseline, during, after: chat.stats('recovery'),
      p99Ratio: baseline.p99Ms > 0 ? during.p99Ms / baseline.p99Ms : 0,
      lost: settled.lost, notAcked: settled.notAcked, probes,
      memory: { baselineBytes, peakBytes, boundBytes: system.memoryBoundBytes },
      recoveredInMs, metrics, events: chat.events(),
    };
  } finally {
    await chat?.settle(0).catch(() => undefined);
    await system.teardown();
  }
}

/** One Markdown table row per report (the scenario's output and docs/benchmarks.md). */
export function faultTable(reports: FaultReport[]): string {
  const mb = (b: number) => (b / 1048576).toFixed(0);
  const lines = [
    '| fault | A↔B p99 baseline → during (ratio) | lost | what needs the fault: outcome (ms) | memory MB baseline → peak (bound) | recovered in |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    const probes = r.probes.map((p) => `${p.what}: ${p.outcome} (${p.ms.toFixed(0)})${p.ok ? '' : ' ✗'}`).join('; ') || '—';
    lines.push(`| ${r.fault} | ${r.baseline.p99Ms.toFixed(1)} → ${r.during.p99Ms.toFixed(1)} ms (${r.p99Ratio.toFixed(2)}×) | ${r.lost.length} | ${probes} | ${mb(r.memory.baselineBytes)} → ${mb(r.memory.peakBytes)} (${mb(r.memory.boundBytes)}) | ${r.recoveredInMs === null ? 'not in 10 s' : `${(r.recoveredInMs / 1000).toFixed(1)} s`} |`);
  }
  return lines.join('\n') + '\n';
}
