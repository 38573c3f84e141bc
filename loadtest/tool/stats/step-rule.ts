// xmppbench's step-up rule (run_steps), shared by chat, muc and pubsub: the offered rate is
// fixed per step and rises; a step passes with nothing lost, p99 under the limit and at least
// 97 % of the offered rate really sent (one message of slack for low rates) — and, against
// Pampero, nothing dropped by its message archive (a server that keeps up by archiving less is
// not keeping up); a failing step is retried `retries` times, the search ends at a step that
// fails again.
import { LatencyHistogram } from './latency-histogram.js';

export interface StepMeasurement {
  offeredPerS: number;
  sent: number;
  /** sent × fan-out: deliveries that must arrive. */
  expected: number;
  received: number;
  sendWallS: number;
  latency: LatencyHistogram;
  fanout: number;
  attempt: number;
  /** Archive entries the server dropped during the step (Pampero's /metrics); undefined when not known. */
  archiveDropped?: number;
}

/** One step as xmppbench prints it (same keys, so both tools' JSON lines compare directly). */
export interface StepResult {
  offered_per_s: number;
  sent: number;
  received: number;
  lost: number;
  achieved_send_per_s: number;
  delivered_per_s: number;
  lat_ms_p50: number | null;
  lat_ms_p99: number | null;
  lat_ms_max: number | null;
  pass: boolean;
  fanout?: number;
  expected?: number;
  attempt: number;
  /** Archive entries Pampero dropped during the step (pampero_archive_messages_dropped_total), when scraped. */
  archive_dropped?: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const ms = (us: number) => (Number.isNaN(us) ? null : round(us / 1000, 3));

export function judgeStep(m: StepMeasurement, p99LimitMs: number): StepResult {
  const p99Us = m.latency.percentile(99);
  const achievedEnough = m.sent + 1 >= 0.97 * m.offeredPerS * m.sendWallS;
  // NaN (nothing received) fails, as in Python where nan < limit is false
  const pass = m.received === m.expected && p99Us / 1000 < p99LimitMs && achievedEnough && !m.archiveDropped;
  const result: StepResult = {
    offered_per_s: m.offeredPerS,
    sent: m.sent,
    received: m.received,
    lost: m.expected - m.received,
    achieved_send_per_s: round(m.sendWallS > 0 ? m.sent / m.sendWallS : 0, 1),
    delivered_per_s: round(m.sendWallS > 0 ? m.received / m.sendWallS : 0, 1),
    lat_ms_p50: ms(m.latency.percentile(50)),
    lat_ms_p99: ms(p99Us),
    lat_ms_max: ms(m.latency.max()),
    pass,
    attempt: m.attempt,
  };
  if (m.fanout !== 1) {
    result.fanout = m.fanout;
    result.expected = m.expected;
  }
  if (m.archiveDropped !== undefined) result.archive_dropped = m.archiveDropped;
  return result;
}

/** Which rate comes next: rises on a pass, retries a failure, stops at a second failure. */
export class StepSearch {
  private position = 0;
  private triesAtThisRate = 0;
  private stopped = false;

  constructor(private readonly rates: number[], private readonly retries: number) {}

  /** The rate to run now, or undefined when the search is over. */
  current(): number | undefined {
    return this.stopped ? undefined : this.rates[this.position];
  }

  attempt(): number {
    return this.triesAtThisRate + 1;
  }

  /** Records the outcome of the current step; returns whether this was a retry-worthy failure. */
  record(pass: boolean): 'next' | 'retry' | 'stop' {
    if (pass) {
      this.triesAtThisRate = 0;
      this.position++;
      if (this.position >= this.rates.length) this.stopped = true;
      return this.stopped ? 'stop' : 'next';
    }
    if (this.triesAtThisRate < this.retries) {
      this.triesAtThisRate++;
      return 'retry';
    }
    this.stopped = true;
    return 'stop';
  }
}

export function bestPassing(steps: StepResult[]): StepResult | undefined {
  return [...steps].reverse().find((s) => s.pass);
}
