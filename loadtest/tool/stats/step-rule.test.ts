import { bestPassing, judgeStep, StepSearch, type StepMeasurement } from './step-rule.js';
import { LatencyHistogram } from './latency-histogram.js';

function measurement(over: Partial<StepMeasurement> & { latencyMs?: number[] } = {}): StepMeasurement {
  const latency = new LatencyHistogram();
  for (const ms of over.latencyMs ?? [1, 2, 3]) latency.record(ms * 1000);
  return { offeredPerS: 1000, sent: 8000, expected: 8000, received: 8000, sendWallS: 8, fanout: 1, attempt: 1, ...over, latency };
}

describe('judgeStep (xmppbench run_steps rule)', () => {
  it('passes a step with nothing lost, p99 under the limit and the offered rate sent', () => {
    const s = judgeStep(measurement(), 100);
    expect(s).toMatchObject({ pass: true, lost: 0, achieved_send_per_s: 1000, delivered_per_s: 1000 });
  });

  it('fails a step that lost one message', () => {
    expect(judgeStep(measurement({ received: 7999 }), 100)).toMatchObject({ pass: false, lost: 1 });
  });

  it('fails a step whose p99 reaches the limit', () => {
    expect(judgeStep(measurement({ latencyMs: Array(100).fill(100) }), 100).pass).toBe(false);
  });

  it('fails a step where less than 97 % of the offered rate was sent', () => {
    expect(judgeStep(measurement({ sent: 7700, expected: 7700, received: 7700 }), 100).pass).toBe(false);
    expect(judgeStep(measurement({ sent: 7760, expected: 7760, received: 7760 }), 100).pass).toBe(true);
  });

  it('fails a step in which nothing arrived', () => {
    expect(judgeStep(measurement({ received: 0, expected: 0, sent: 0, latencyMs: [] }), 100).pass).toBe(false);
  });

  it("fails a step in which Pampero's archive dropped entries, and reports the count whenever it was scraped", () => {
    expect(judgeStep(measurement({ archiveDropped: 12 }), 100)).toMatchObject({ pass: false, archive_dropped: 12, lost: 0 });
    expect(judgeStep(measurement({ archiveDropped: 0 }), 100)).toMatchObject({ pass: true, archive_dropped: 0 });
    expect(judgeStep(measurement(), 100).archive_dropped).toBeUndefined();
  });

  it('reports fan-out and expected deliveries only for fan-out scenarios', () => {
    expect(judgeStep(measurement({ fanout: 500, expected: 4_000_000, received: 4_000_000 }), 200)).toMatchObject({ fanout: 500, expected: 4_000_000 });
    expect(judgeStep(measurement(), 100).fanout).toBeUndefined();
  });
});

describe('StepSearch', () => {
  it('rises on passes, retries a failure once and stops at the second failure', () => {
    const search = new StepSearch([100, 200, 300, 400], 1);
    const seen: Array<[number, number]> = [];
    const outcomes = [true, false, true, false, false];
    for (const pass of outcomes) {
      seen.push([search.current()!, search.attempt()]);
      search.record(pass);
    }
    expect(seen).toEqual([[100, 1], [200, 1], [200, 2], [300, 1], [300, 2]]);
    expect(search.current()).toBeUndefined();
  });

  it('stops after the last rate passes', () => {
    const search = new StepSearch([10], 1);
    expect(search.record(true)).toBe('stop');
    expect(search.current()).toBeUndefined();
  });

  it('picks the highest passing step as the result', () => {
    const steps = [judgeStep(measurement({ offeredPerS: 1 }), 100), judgeStep(measurement({ offeredPerS: 2 }), 100), judgeStep(measurement({ received: 1 }), 100)];
    expect(bestPassing(steps)?.offered_per_s).toBe(2);
  });
});
