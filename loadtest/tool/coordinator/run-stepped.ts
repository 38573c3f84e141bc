// S2/S6 chat, S5 MUC and S7 PubSub on the coordinator side: log everyone in, run the scenario's
// preparation phases on all workers in order, then the step-up search of xmppbench's run_steps.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { bestPassing, judgeStep, StepSearch, type StepResult } from '../stats/step-rule.js';
import { sleep } from '../timeouts.js';
import { loginRange } from './run-login.js';
import { round1, type RunContext, type ScenarioOutcome } from './scenario-outcome.js';
import { shareOf } from './worker-pool.js';
import type { PrepareReply, WorkerRequest } from '../worker/worker-protocol.js';
import { usersNeeded } from '../scenario-defaults.js';
import { parsePrometheusText, scrapeMetrics } from '../report/metrics-scrape.js';

/** Pampero's archive entries dropped so far (every reason), from its /metrics; undefined when not scraped. */
async function archiveDrops(metricsUrl: string | undefined): Promise<number | undefined> {
  const text = metricsUrl ? await scrapeMetrics(metricsUrl) : null;
  if (text === null) return undefined;
  let dropped = 0;
  for (const [name, value] of parsePrometheusText(text)) if (name.startsWith('pampero_archive_messages_dropped_total')) dropped += value;
  return dropped;
}

type Phase = Extract<WorkerRequest, { op: 'prepare' }>['phase'];

const PHASES: Record<string, Phase[]> = {
  chat: [],
  muc: ['muc-create', 'muc-join'],
  pubsub: ['pubsub-create', 'pubsub-subscribe'],
};

async function preparePhase(ctx: RunContext, phase: Phase) {
  const start = performance.now();
  const replies: PrepareReply[] = await ctx.pool.all(() => ({ op: 'prepare', phase }));
  const errors = replies.flatMap((r) => r.errors).slice(0, 5);
  return {
    errorCount: replies.reduce((n, r) => n + r.errorCount, 0),
    errors,
    created: replies.reduce((n, r) => n + r.created, 0),
    senders: replies.map((r) => r.senders),
    wallS: (performance.now() - start) / 1000,
  };
}

function failure(ctx: RunContext, scenario: string, error: string, errors: string[]): ScenarioOutcome {
  return {
    result: { scenario, error, first_errors: errors }, latency: new LatencyHistogram(10), latencyLabel: 'delivery latency',
    errors: [error, ...errors], headline: [],
  };
}

export async function runStepped(ctx: RunContext): Promise<ScenarioOutcome> {
  const { options: o, pool } = ctx;
  const scenario = o.scenario;
  const n = usersNeeded(scenario, o);
  const t0 = performance.now();
  const logins = await loginRange(ctx, 0, n);
  if (logins.ok !== n) {
    await pool.all(() => ({ op: 'close' }));
    return failure(ctx, scenario, `only ${logins.ok}/${n} logged in`, logins.errors);
  }
  const extra: Record<string, unknown> = { login_s: round1((performance.now() - t0) / 1000) };
  for (const phase of PHASES[scenario]) {
    const p = await preparePhase(ctx, phase);
    if (p.errorCount > 0) {
      await pool.all(() => ({ op: 'close' }));
      return failure(ctx, scenario, `${p.errorCount} failures in ${phase}`, p.errors);
    }
    if (phase === 'muc-join') extra.join_s = round1(p.wallS + (extra.create_s as number));
    if (phase === 'muc-create') { extra.create_s = p.wallS; extra.rooms_created = p.created; }
    if (phase === 'pubsub-subscribe') extra.subscribe_s = round1(p.wallS);
  }
  delete extra.create_s;
  if (scenario !== 'chat') await sleep(o.settleS * 1000);
  const senders = (await preparePhase(ctx, 'measure')).senders;
  await sleep(1000); // as xmppbench: let the last login traffic settle before the first step
  const fanout = scenario === 'muc' ? o.occupants : scenario === 'pubsub' ? o.subscribers : 1;

  const steps: StepResult[] = [];
  const all = new LatencyHistogram(10);
  const search = new StepSearch(o.rates, o.retries);
  // Between steps nothing is routed, so one step's count after is the next one's before: one scrape
  // a step (again at the start of a step if the last one failed).
  let droppedBefore: number | undefined;
  for (let step = 0, rate = search.current(); rate !== undefined && step < 1000; step++, rate = search.current()) {
    droppedBefore ??= await archiveDrops(o.metricsUrl);
    await pool.all(() => ({ op: 'beginStep', step }));
    const sends = await pool.all((_, i) => ({ op: 'send', ratePerS: shareOf(rate!, senders, i), durationS: o.durationS }));
    const sent = sends.reduce((a, s) => a + s.sent, 0);
    const sendWallS = Math.max(...sends.map((s) => s.sendWallS));
    const expected = sent * fanout;
    const drainEnd = performance.now() + o.drainS * 1000;
    while (performance.now() < drainEnd) {
      const counts = await pool.all(() => ({ op: 'counts' }));
      if (counts.reduce((a, c) => a + c.received, 0) >= expected) break;
      await sleep(50);
    }
    const ends = await pool.all(() => ({ op: 'endStep' }));
    const latency = new LatencyHistogram(10);
    for (const e of ends) latency.merge(e.latency);
    all.merge(latency);
    const received = ends.reduce((a, e) => a + e.received, 0);
    // Drops happen when a message is routed, so all of the step's are counted once it is delivered.
    const droppedAfter = droppedBefore === undefined ? undefined : await archiveDrops(o.metricsUrl);
    const archiveDropped = droppedBefore === undefined || droppedAfter === undefined ? undefined : droppedAfter - droppedBefore;
    droppedBefore = droppedAfter;
    const result = judgeStep({ offeredPerS: rate, sent, expected, received, sendWallS, latency, fanout, attempt: search.attempt(), archiveDropped }, o.p99LimitMs);
    steps.push(result);
    ctx.log(JSON.stringify(result));
    const next = search.record(result.pass);
    if (next !== 'stop') await sleep(o.pauseS * 1000 * (next === 'retry' ? 2 : 1));
  }

  if (scenario === 'pubsub') extra.node_deleted = (await pool.all(() => ({ op: 'cleanup' }))).some((r) => r.deleted);
  await pool.all(() => ({ op: 'close' }));
  const best = bestPassing(steps);
  const shape: Record<string, unknown> =
    scenario === 'chat' ? { users: n, transport: o.target.transport }
    : scenario === 'muc' ? { rooms: o.rooms, occupants: o.occupants, senders_per_room: o.senders > 0 && o.senders < o.occupants ? o.senders : o.occupants, fanout }
    : { subscribers: o.subscribers, fanout };
  const result = {
    scenario, ...shape, ...extra, duration_s: o.durationS, p99_limit_ms: o.p99LimitMs,
    best_sustained_delivered_per_s: best?.delivered_per_s ?? 0, best_offered_per_s: best?.offered_per_s ?? 0,
    best_step: best ?? null, steps,
  };
  return {
    result, latency: all, latencyLabel: 'delivery latency (send → receipt), all steps', errors: [],
    headline: [
      { name: 'delivered/s (best passing step)', value: best?.delivered_per_s ?? 0, unit: '/s', better: 'higher' },
      { name: 'p50 at that step', value: best?.lat_ms_p50 ?? null, unit: 'ms', better: 'lower' },
      { name: 'p99 at that step', value: best?.lat_ms_p99 ?? null, unit: 'ms', better: 'lower' },
    ],
  };
}
