import { RateController, sendAtRate, type Clock } from './rate-controller.js';
import { judgeStep } from './step-rule.js';
import { LatencyHistogram } from './latency-histogram.js';

/** A clock that only moves when the scheduler sleeps; each tick may cost extra (a slow generator). */
function fakeClock(extraPerTickMs: () => number = () => 0): Clock {
  let now = 1000;
  return { now: () => now, sleep: async (ms) => { now += ms + extraPerTickMs(); } };
}

describe('RateController', () => {
  it('achieves the offered rate on a fixed tick', async () => {
    const sentAt: number[] = [];
    const r = await sendAtRate(new RateController(1000, 5), 2000, (n, t) => { for (let i = 0; i < n; i++) sentAt.push(t); }, fakeClock());
    expect(r.sent).toBe(sentAt.length);
    expect(Math.abs(r.sent - 2000)).toBeLessThanOrEqual(5);
    expect(r.sent / r.sendWallS).toBeGreaterThan(0.99 * 1000);
    expect(r.behind).toBe(0);
  });

  it('catches up after late ticks instead of drifting below the rate', async () => {
    let k = 0;
    const jitter = () => [0, 3, 0, 7, 1][k++ % 5]; // ticks arrive up to 7 ms late
    const r = await sendAtRate(new RateController(2000, 5), 3000, () => {}, fakeClock(jitter));
    expect(r.sent / r.sendWallS).toBeGreaterThan(0.99 * 2000);
    expect(r.behind).toBe(0);
  });

  it('caps a burst at four ticks of messages and counts what a stalled generator could not send', async () => {
    const controller = new RateController(1000, 5);
    const r = await sendAtRate(controller, 2000, () => {}, fakeClock(() => 45)); // every tick takes 50 ms
    expect(r.behind).toBeGreaterThan(0);
    const achieved = r.sent / r.sendWallS;
    expect(achieved).toBeLessThan(0.97 * 1000);
    // and the step rule then fails the step: the generator's limit, not a pass
    const latency = new LatencyHistogram();
    latency.record(1000);
    const step = judgeStep({ offeredPerS: 1000, sent: r.sent, expected: r.sent, received: r.sent, sendWallS: r.sendWallS, latency, fanout: 1, attempt: 1 }, 100);
    expect(step.pass).toBe(false);
  });

  it('spreads a low rate (below one message per tick) evenly', async () => {
    const times: number[] = [];
    await sendAtRate(new RateController(4, 5), 5000, (n, t) => { for (let i = 0; i < n; i++) times.push(t); }, fakeClock());
    expect(times.length).toBe(20); // ceil(4 · 4.995 s): each message at the start of its interval
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(245);
  });

  it('sends the full count at a low rate split over workers (regression: 8 of 10 at 2/s over 5 s)', async () => {
    let sent = 0;
    for (let worker = 0; worker < 2; worker++) {
      await sendAtRate(new RateController(1, 5), 5000, (n) => { sent += n; }, fakeClock());
    }
    expect(sent).toBe(10);
  });

  it('ends by time even when the clock never advances', async () => {
    const frozen: Clock = { now: () => 0, sleep: async () => {} };
    const r = await sendAtRate(new RateController(100, 5), 50, () => {}, frozen);
    expect(r.sent).toBe(0);
  });
});
