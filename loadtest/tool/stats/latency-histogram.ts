// Latency histogram in the manner of HdrHistogram: log-linear buckets over integer microseconds,
// so memory is fixed (a few ten KB) whatever the number of samples, the relative error is bounded
// (≤ 1/2^(subBucketBits-1)) and histograms of several workers merge by adding counts.
//
// Percentiles use the same rank as xmppbench.py's pct(): k = round(p/100 · (n − 1)) over the
// sorted samples, so figures from both tools mean the same thing.

/** Largest value kept apart; anything above is counted as this (about 71 minutes). */
const MAX_VALUE_US = 2 ** 32;

export interface SerializedHistogram {
  subBucketBits: number;
  /** [bucket index, count] for the non-empty buckets only. */
  buckets: Array<[number, number]>;
  minUs: number;
  maxUs: number;
  sumUs: number;
}

export class LatencyHistogram {
  readonly subBucketBits: number;
  private readonly subBucketCount: number;
  private readonly subBucketHalf: number;
  private readonly counts: Uint32Array;
  private total = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  /** 10 bits: ≤ 0.2 % error, 51 KB. 7 bits (per-second windows): ≤ 1.6 %, 7 KB. */
  constructor(subBucketBits = 10) {
    if (subBucketBits < 2 || subBucketBits > 16) throw new Error('subBucketBits must be 2..16');
    this.subBucketBits = subBucketBits;
    this.subBucketCount = 2 ** subBucketBits;
    this.subBucketHalf = this.subBucketCount / 2;
    this.counts = new Uint32Array(this.indexOf(MAX_VALUE_US) + 1);
  }

  get count(): number {
    return this.total;
  }

  /** Records one latency in microseconds (negative values count as 0). */
  record(valueUs: number): void {
    const v = Math.min(MAX_VALUE_US, Math.max(0, Math.round(valueUs)));
    this.counts[this.indexOf(v)]++;
    this.total++;
    this.sumUs += v;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** Value (µs) at percentile p (0–100), NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.min(this.total - 1, Math.max(0, Math.round((p / 100) * (this.total - 1))));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen > rank) return Math.min(this.maxUs, Math.max(this.minUs, this.representativeOf(i)));
    }
    return this.maxUs;
  }

  mean(): number {
    return this.total === 0 ? NaN : this.sumUs / this.total;
  }

  min(): number {
    return this.total === 0 ? NaN : this.minUs;
  }

  max(): number {
    return this.total === 0 ? NaN : this.maxUs;
  }

  /** Adds another histogram's samples (same precision only). */
  merge(other: LatencyHistogram | SerializedHistogram): void {
    const data = other instanceof LatencyHistogram ? other.serialize() : other;
    if (data.subBucketBits !== this.subBucketBits) throw new Error('cannot merge histograms of different precision');
    for (const [index, count] of data.buckets) {
      this.counts[index] += count;
      this.total += count;
    }
    this.sumUs += data.sumUs;
    if (data.buckets.length > 0) {
      this.minUs = Math.min(this.minUs, data.minUs);
      this.maxUs = Math.max(this.maxUs, data.maxUs);
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumUs = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
  }

  serialize(): SerializedHistogram {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== 0) buckets.push([i, this.counts[i]]);
    return { subBucketBits: this.subBucketBits, buckets, minUs: this.total ? this.minUs : 0, maxUs: this.maxUs, sumUs: this.sumUs };
  }

  static from(data: SerializedHistogram): LatencyHistogram {
    const h = new LatencyHistogram(data.subBucketBits);
    h.merge(data);
    return h;
  }

  /** Non-empty buckets as [lowest µs, highest µs, count], for plotting. */
  bucketRanges(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] !== 0) out.push([this.lowestOf(i), this.lowestOf(i) + this.widthOf(i) - 1, this.counts[i]]);
    }
    return out;
  }

  // Bucket 0 holds 0 … subBucketCount−1 exactly; above, each power of two is split into
  // subBucketHalf equal parts: index = count + (shift − 1) · half + (v >> shift) − half.
  private indexOf(v: number): number {
    if (v < this.subBucketCount) return v;
    const shift = Math.floor(Math.log2(v)) - (this.subBucketBits - 1);
    const sub = Math.floor(v / 2 ** shift);
    return this.subBucketCount + (shift - 1) * this.subBucketHalf + (sub - this.subBucketHalf);
  }

  private shiftOf(index: number): number {
    return index < this.subBucketCount ? 0 : Math.floor((index - this.subBucketCount) / this.subBucketHalf) + 1;
  }

  private lowestOf(index: number): number {
    const shift = this.shiftOf(index);
    if (shift === 0) return index;
    const sub = index - this.subBucketCount - (shift - 1) * this.subBucketHalf + this.subBucketHalf;
    return sub * 2 ** shift;
  }

  private widthOf(index: number): number {
    return 2 ** this.shiftOf(index);
  }

  private representativeOf(index: number): number {
    return this.lowestOf(index) + (this.widthOf(index) - 1) / 2;
  }
}

/** p50/p90/p99/max in milliseconds, rounded like xmppbench's summary(). */
export interface LatencySummaryMs {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export function summarizeMs(h: LatencyHistogram): LatencySummaryMs {
  const ms = (us: number) => (Number.isNaN(us) ? null : Math.round(us) / 1000);
  return { n: h.count, p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), max: ms(h.max()) };
}
