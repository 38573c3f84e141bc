import { LatencyHistogram, summarizeMs } from './latency-histogram.js';

/** xmppbench's pct(): nearest rank k = round(p/100 · (n − 1)) over sorted samples. */
function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('LatencyHistogram', () => {
  it('is exact for values below its linear range (1024 µs at 10 bits)', () => {
    const h = new LatencyHistogram(10);
    for (let v = 1; v <= 1000; v++) h.record(v);
    expect(h.percentile(50)).toBe(exactPercentile([...Array(1000).keys()].map((i) => i + 1), 50));
    expect(h.min()).toBe(1);
    expect(h.max()).toBe(1000);
    expect(h.count).toBe(1000);
  });

  it.each([
    ['uniform 0–2 s', (r: () => number) => r() * 2_000_000],
    ['exponential, mean 5 ms', (r: () => number) => -Math.log(1 - r()) * 5_000],
    ['bimodal: 1 ms and 300 ms', (r: () => number) => (r() < 0.98 ? 1_000 + r() * 200 : 300_000 + r() * 50_000)],
  ])('matches sorted-sample percentiles of a %s distribution within 0.2 %%', (_name, draw) => {
    const random = seededRandom(42);
    const h = new LatencyHistogram(10);
    const samples: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = Math.round(draw(random));
      samples.push(v);
      h.record(v);
    }
    samples.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9]) {
      const exact = exactPercentile(samples, p);
      expect(Math.abs(h.percentile(p) - exact)).toBeLessThanOrEqual(Math.max(1, exact * 0.002));
    }
    expect(h.max()).toBe(samples[samples.length - 1]);
    expect(h.mean()).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 0);
  });

  it('merges the histograms of several workers into the one a single worker would have made', () => {
    const random = seededRandom(7);
    const whole = new LatencyHistogram(10);
    const parts = [new LatencyHistogram(10), new LatencyHistogram(10), new LatencyHistogram(10)];
    for (let i = 0; i < 30_000; i++) {
      const v = Math.round(-Math.log(1 - random()) * 20_000);
      whole.record(v);
      parts[i % 3].record(v);
    }
    const merged = new LatencyHistogram(10);
    // across a process boundary the parts travel serialized (JSON over IPC)
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.serialize())));
    expect(merged.serialize()).toEqual(whole.serialize());
    for (const p of [50, 99, 99.9]) expect(merged.percentile(p)).toBe(whole.percentile(p));
  });

  it('refuses to merge histograms of different precision', () => {
    expect(() => new LatencyHistogram(10).merge(new LatencyHistogram(7))).toThrow(/precision/);
  });

  it('keeps memory fixed whatever the number of samples and clamps absurd values', () => {
    const h = new LatencyHistogram(7);
    const before = h.serialize().buckets.length;
    h.record(-5);
    h.record(1e15);
    expect(before).toBe(0);
    expect(h.min()).toBe(0);
    expect(h.max()).toBe(2 ** 32);
  });

  it('reports an empty histogram as no value, not zero', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(99)).toBeNaN();
    expect(summarizeMs(h)).toEqual({ n: 0, p50: null, p90: null, p99: null, max: null });
  });

  it('lists its buckets as value ranges that cover every sample', () => {
    const h = new LatencyHistogram(7);
    for (const v of [5, 500, 5_000, 50_000]) h.record(v);
    const ranges = h.bucketRanges();
    expect(ranges.reduce((n, [, , c]) => n + c, 0)).toBe(4);
    for (const v of [5, 500, 5_000, 50_000]) expect(ranges.some(([lo, hi]) => lo <= v && v <= hi)).toBe(true);
  });
});
