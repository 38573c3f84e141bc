// What a scenario run hands to the reports: xmppbench's JSON (same keys, so its tools read ours),
// the main latency distribution, and the headline figures a comparison is made of.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { LoadtestOptions } from '../options.js';
import type { WorkerPool } from './worker-pool.js';
import type { LoginReply } from '../worker/worker-protocol.js';

export interface Headline {
  name: string;
  value: number | null;
  unit: string;
  better: 'higher' | 'lower';
}

export interface ScenarioOutcome {
  result: Record<string, unknown>;
  latency: LatencyHistogram;
  latencyLabel: string;
  headline: Headline[];
  errors: string[];
}

export interface RunContext {
  options: LoadtestOptions;
  pool: WorkerPool;
  /** A line for the terminal (stderr), e.g. a step's result. */
  log(line: string): void;
  serverRssKiB(): number | null;
}

/** Merged replies of one login round across workers. */
export function mergeLogins(replies: LoginReply[]) {
  const latency = new LatencyHistogram(10);
  let ok = 0, errorCount = 0;
  const errors: string[] = [];
  for (const r of replies) {
    ok += r.ok;
    errorCount += r.errorCount;
    errors.push(...r.errors);
    latency.merge(r.latency);
  }
  return { ok, errorCount, errors: errors.slice(0, 5), latency };
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
