// S3 on the coordinator side: a seeded sample of the population logs in without presence, then
// roster gets one at a time (worker after worker, so it stays one in flight) and then all again
// with `concurrency` in flight spread over the workers.
import { LatencyHistogram, summarizeMs } from '../stats/latency-histogram.js';
import { mergeLogins, round1, type RunContext, type ScenarioOutcome } from './scenario-outcome.js';
import { splitEvenly } from './worker-pool.js';
import type { RosterReply } from '../worker/worker-protocol.js';

/** A seeded sample of k distinct indices out of 0 … n−1 (mulberry32 + partial Fisher–Yates). */
export function seededSample(n: number, k: number, seed: number): number[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chosen = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    out.push(chosen.get(j) ?? j);
    chosen.set(j, chosen.get(i) ?? i);
  }
  return out;
}

function merge(replies: RosterReply[]) {
  const latency = new LatencyHistogram(10);
  for (const r of replies) latency.merge(r.latency);
  return {
    latency,
    minItems: Math.min(...replies.map((r) => r.minItems)),
    maxItems: Math.max(...replies.map((r) => r.maxItems)),
    unexpected: replies.reduce((n, r) => n + r.unexpected, 0),
    errors: replies.flatMap((r) => r.errors),
  };
}

export async function runRoster(ctx: RunContext): Promise<ScenarioOutcome> {
  const { options: o, pool } = ctx;
  const sample = seededSample(o.clients, o.samples, o.seed);
  const shares = splitEvenly(sample, pool.size);
  const perWorker = Math.max(1, Math.ceil(o.concurrency / pool.size));
  const logins = mergeLogins(await pool.all((_, i) => shares[i].length === 0 ? undefined : {
    op: 'login', indices: shares[i], concurrency: perWorker, presence: false, arrivalPerS: 0, deadlineMs: pool.remainingMs(),
  }));
  const sequential: RosterReply[] = [];
  for (const w of pool.workers) sequential.push(await w.request({ op: 'roster', mode: 'sequential', concurrency: 1 }, pool.remainingMs()));
  const seq = merge(sequential);
  const t0 = performance.now();
  const par = merge(await pool.all(() => ({ op: 'roster', mode: 'concurrent', concurrency: perWorker })));
  const parWall = (performance.now() - t0) / 1000;
  const result: Record<string, unknown> = {
    scenario: 'roster', population: o.clients, samples: logins.ok, login_errors: logins.errorCount,
    login_ms: summarizeMs(logins.latency), roster_get_ms_sequential: summarizeMs(seq.latency),
    [`roster_get_ms_concurrency_${o.concurrency}`]: summarizeMs(par.latency),
    roster_gets_per_s_concurrent: round1(par.latency.count / parWall),
    items_per_roster_min_max: seq.latency.count ? [seq.minItems, seq.maxItems] : null,
    rosters_with_unexpected_size: seq.unexpected,
  };
  const rss = ctx.serverRssKiB();
  if (rss !== null) result.rss_kib = rss;
  const errors = [...logins.errors, ...seq.errors, ...par.errors].slice(0, 5);
  if (errors.length) result.first_errors = errors;
  await pool.all(() => ({ op: 'close' }));
  const s = summarizeMs(seq.latency);
  const p = summarizeMs(par.latency);
  return {
    result, latency: seq.latency, latencyLabel: 'roster get round trip, one at a time', errors,
    headline: [
      { name: 'roster get p50 (sequential)', value: s.p50, unit: 'ms', better: 'lower' },
      { name: 'roster get p99 (sequential)', value: s.p99, unit: 'ms', better: 'lower' },
      { name: `roster get p99 (${o.concurrency} in flight)`, value: p.p99, unit: 'ms', better: 'lower' },
      { name: 'roster gets/s (concurrent)', value: result.roster_gets_per_s_concurrent as number, unit: '/s', better: 'higher' },
    ],
  };
}
