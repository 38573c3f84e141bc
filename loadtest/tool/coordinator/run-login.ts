// S1 login and S4 idle on the coordinator side.
import { LatencyHistogram, summarizeMs } from '../stats/latency-histogram.js';
import { sleep } from '../timeouts.js';
import { mergeLogins, round1, type RunContext, type ScenarioOutcome } from './scenario-outcome.js';
import { range, splitEvenly } from './worker-pool.js';
import type { LoadtestOptions } from '../options.js';

/** Logs in users [from, to) spread over the workers, `concurrency` in flight in total. */
export async function loginRange(ctx: RunContext, from: number, to: number, presence = true, rampUp = true) {
  const { options, pool } = ctx;
  // the same split every time: user i always logs in from the same worker (warmUpLogins relies on it)
  const shares = splitEvenly(range(from, to), pool.size);
  const perWorker = Math.max(1, Math.ceil(options.concurrency / pool.size));
  const arrivalPerS = rampUp && options.rampUpS > 0 ? (to - from) / options.rampUpS / pool.size : 0;
  const start = performance.now();
  const replies = await pool.all((_, i) => shares[i].length === 0 ? undefined : {
    op: 'login', indices: shares[i], concurrency: perWorker, presence, arrivalPerS, deadlineMs: pool.remainingMs(),
  });
  return { ...mergeLogins(replies), wallS: (performance.now() - start) / 1000 };
}

/** Untimed passes of every user before S1's timed one: --warm-up, by default 2 with SCRAM (the client key cache needs one), else 0. */
export const loginWarmUpPasses = (o: LoadtestOptions): number =>
  o.scenario !== 'login' ? 0 : o.warmUpPasses ?? (o.target.sasl === 'scram-sha-1' ? 2 : 0);
export const needsLoginWarmUp = (o: LoadtestOptions) => loginWarmUpPasses(o) > 0;

/**
 * The warm-up: every user logs in exactly as in the timed pass (presence included), untimed, from
 * the worker that will log it in again, then all disconnect; repeated --warm-up times, then the
 * server gets 2 s to tear the sessions down. With SCRAM it fills each worker's client key cache
 * (client/scram-sha1-client.ts), as a returning client's is, so the timed logins cost the
 * generator HMACs only, not a PBKDF2 each. It also measures every server as it runs after start-up,
 * not its first seconds: a JIT-compiled server (Pampero on V8) still compiles its login path
 * during the first pass, and every server gets the same passes (docs/benchmarks.md).
 */
export async function warmUpLogins(ctx: RunContext): Promise<void> {
  const n = ctx.options.clients;
  const passes = loginWarmUpPasses(ctx.options);
  for (let pass = 1; pass <= passes; pass++) {
    ctx.log(`warm-up ${pass}/${passes}: ${n} untimed logins (${ctx.options.target.sasl ?? 'plain'}, with presence), then disconnect`);
    const r = await loginRange(ctx, 0, n, true, false);
    await ctx.pool.all(() => ({ op: 'close' }));
    await ctx.pool.all(() => ({ op: 'progress' })); // empties the progress window of the warm-up's logins
    ctx.log(`warm-up ${pass}/${passes}: ${r.ok}/${n} in ${round1(r.wallS)} s (${round1(r.ok / r.wallS)}/s)${r.errorCount ? `, ${r.errorCount} failed: ${r.errors[0]}` : ''}`);
    await sleep(pass === passes ? 2000 : 1000);
  }
}

/** S1: closed loop of `concurrency` logins; all stay online until the last one is in. */
export async function runLogin(ctx: RunContext): Promise<ScenarioOutcome> {
  const { options } = ctx;
  const r = await loginRange(ctx, 0, options.clients);
  const logins = summarizeMs(r.latency);
  const result: Record<string, unknown> = {
    scenario: 'login', users: options.clients, concurrency: options.concurrency, sasl: options.target.sasl ?? 'plain',
    warm_up_passes: loginWarmUpPasses(options),
    ...(needsLoginWarmUp(options) && options.target.sasl === 'scram-sha-1' ? { client_keys_cached: true } : {}), ok: r.ok, errors: r.errorCount,
    wall_s: Math.round(r.wallS * 1000) / 1000, logins_per_s: round1(r.ok / r.wallS), login_ms: logins,
  };
  const rss = ctx.serverRssKiB();
  if (rss !== null) result.rss_kib_with_all_online = rss;
  if (r.errors.length) result.first_errors = r.errors;
  await ctx.pool.all(() => ({ op: 'close' }));
  return {
    result, latency: r.latency, latencyLabel: 'login time (connect → reflected presence)', errors: r.errors,
    headline: [
      { name: 'logins/s', value: result.logins_per_s as number, unit: '/s', better: 'higher' },
      { name: 'login p50', value: logins.p50, unit: 'ms', better: 'lower' },
      { name: 'login p99', value: logins.p99, unit: 'ms', better: 'lower' },
    ],
  };
}

/** S4: server RSS at each session count; bytes per session = ΔRSS / Δsessions. */
export async function runIdle(ctx: RunContext): Promise<ScenarioOutcome> {
  const { options } = ctx;
  const points: Array<{ connections: number; rss_kib: number | null }> = [];
  const result: Record<string, unknown> = { scenario: 'idle', settle_s: options.settleS, points };
  const errors: string[] = [];
  let have = 0;
  const latency = new LatencyHistogram(10);
  for (const target of options.counts) {
    if (target > have) {
      const r = await loginRange(ctx, have, target);
      latency.merge(r.latency);
      errors.push(...r.errors);
      have = target;
    }
    await sleep(options.settleS * 1000);
    const connected = (await ctx.pool.all(() => ({ op: 'progress' }))).reduce((n, p) => n + p.connected, 0);
    const point = { connections: connected, rss_kib: ctx.serverRssKiB() };
    points.push(point);
    ctx.log(JSON.stringify(point));
  }
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length >= 2 && last.connections > first.connections && first.rss_kib !== null && last.rss_kib !== null) {
    result.bytes_per_conn = Math.round(((last.rss_kib - first.rss_kib) * 1024) / (last.connections - first.connections));
  }
  if (errors.length) result.errors = errors.slice(0, 5);
  await ctx.pool.all(() => ({ op: 'close' }));
  return {
    result, latency, latencyLabel: 'login time', errors,
    headline: [{ name: 'bytes per session', value: (result.bytes_per_conn as number | undefined) ?? null, unit: 'B', better: 'lower' }],
  };
}
