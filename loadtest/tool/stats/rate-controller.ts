// Open-loop send schedule at a fixed offered rate: every tick, send what the schedule says is due
// since the start (rate · elapsed − sent), so a late tick catches up instead of drifting. Like
// xmppbench's run_steps, one tick sends at most 4 ticks' worth (a stalled generator must not
// later flood the server with a burst); what is dropped that way is counted as `behind`, and the
// achieved rate (sent / send time) shows it. The clock and the sleep are injected for tests.

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RateController {
  private startMs = 0;
  private sentCount = 0;
  private behindCount = 0;
  private readonly maxBurst: number;

  constructor(readonly ratePerS: number, readonly tickMs: number) {
    if (!(ratePerS >= 0) || !(tickMs > 0)) throw new Error('rate must be ≥ 0 and tick > 0');
    this.maxBurst = Math.max(1, Math.floor((ratePerS * tickMs * 4) / 1000));
  }

  start(nowMs: number): void {
    this.startMs = nowMs;
    this.sentCount = 0;
    this.behindCount = 0;
  }

  /**
   * How many messages to send at nowMs; the caller sends exactly that many. Each message is due at
   * the start of its interval (ceil), so a step of d seconds at r/s sends r·d even when r is small
   * and split over several workers (floor sent one interval too few: 8 of 10 at 2/s over 5 s).
   */
  due(nowMs: number): number {
    let due = Math.ceil((this.ratePerS * (nowMs - this.startMs)) / 1000 - 1e-9) - this.sentCount;
    if (due > this.maxBurst) {
      this.behindCount += due - this.maxBurst;
      due = this.maxBurst;
    }
    if (due <= 0) return 0;
    this.sentCount += due;
    return due;
  }

  get sent(): number {
    return this.sentCount;
  }

  /** Messages skipped because the generator fell behind the schedule. */
  get behind(): number {
    return this.behindCount;
  }

  achievedPerS(nowMs: number): number {
    const s = (nowMs - this.startMs) / 1000;
    return s > 0 ? this.sentCount / s : 0;
  }
}

export interface TickedSendResult {
  sent: number;
  behind: number;
  sendWallS: number;
}

/** Runs the schedule for durationMs; send(n, nowMs) must send n messages. */
export async function sendAtRate(
  controller: RateController,
  durationMs: number,
  send: (n: number, nowMs: number) => void,
  clock: Clock = realClock,
): Promise<TickedSendResult> {
  const start = clock.now();
  controller.start(start);
  const end = start + durationMs;
  // Bounded by time, and by count as a guard against a clock that does not advance.
  const maxTicks = Math.ceil(durationMs / controller.tickMs) * 20 + 10;
  for (let tick = 0; tick < maxTicks; tick++) {
    const now = clock.now();
    if (now >= end) break;
    const n = controller.due(now);
    if (n > 0) send(n, now);
    await clock.sleep(controller.tickMs);
  }
  const wall = (clock.now() - start) / 1000;
  return { sent: controller.sent, behind: controller.behind, sendWallS: wall };
}
