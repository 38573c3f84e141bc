// Counters, gauges and histograms for the per-stanza hot path. prom-client's labelled children still
// hash their labels, validate them and return a result object on every inc()/observe(); these
// children are plain numbers bound once (`labels(...)` at module load), so counting a stanza is
// one addition and observing a latency a short bucket scan. The registry reads them only when
// /metrics is scraped, in the same text format as prom-client's own (docs/metrics.md).
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface HotMetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}

export class HotCounterChild {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

/** A gauge's value, changed with plain arithmetic (inc/dec/set), read at scrape time. */
export class HotGaugeChild {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
  set(value: number): void {
    this.value = value;
  }
}

export class HotHistogramChild {
  /** counts[i]: observations ≤ bounds[i] and > bounds[i-1]; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly labels: Labels, private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

abstract class HotMetric<L extends string, C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  protected readonly children = new Map<string, C>();
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(private readonly opts: HotMetricOptions<L>) {
    this.name = opts.name;
    this.help = opts.help;
    for (const registry of opts.registers) registry.registerMetric(this as never);
  }

  /** The child for these label values, created once; keep it and call it on the hot path. */
  labels(...values: string[]): C {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Labels = {};
      this.opts.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      child = this.create(labels);
      this.children.set(key, child);
    }
    return child;
  }

  protected labelValues(labels: Partial<Record<L, string>>): string[] {
    return this.opts.labelNames.map((name) => labels[name] ?? '');
  }

  protected abstract create(labels: Labels): C;
  abstract reset(): void;
}

/** A metric whose children each hold one number (counters, gauges): scraped and reset alike. */
abstract class HotValueMetric<L extends string, C extends { value: number; readonly labels: Labels }> extends HotMetric<L, C> {
  async get() {
    const values = [...this.children.values()].map((c) => ({ value: c.value, labels: { ...c.labels } }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const child of this.children.values()) child.value = 0;
  }
}

export class HotCounter<L extends string> extends HotValueMetric<L, HotCounterChild> {
  readonly type = 'counter' as const;

  /** The slow path, for rare label sets: looks the child up each time. */
  inc(labels: Partial<Record<L, string>>, by = 1): void {
    this.labels(...this.labelValues(labels)).inc(by);
  }

  protected create(labels: Labels): HotCounterChild {
    return new HotCounterChild(labels);
  }
}

export class HotGauge<L extends string> extends HotValueMetric<L, HotGaugeChild> {
  readonly type = 'gauge' as const;

  protected create(labels: Labels): HotGaugeChild {
    return new HotGaugeChild(labels);
  }
}

export class HotHistogram<L extends string> extends HotMetric<L, HotHistogramChild> {
  readonly type = 'histogram' as const;
  private readonly bounds: readonly number[];

  constructor(opts: HotMetricOptions<L> & { buckets: readonly number[] }) {
    super(opts);
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
  }

  observe(labels: Partial<Record<L, string>>, value: number): void {
    this.labels(...this.labelValues(labels)).observe(value);
  }

  protected create(labels: Labels): HotHistogramChild {
    return new HotHistogramChild(labels, this.bounds ?? []);
  }

  async get() {
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    for (const child of this.children.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += child.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...child.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...child.labels }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...child.labels }, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...child.labels }, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const child of this.children.values()) {
      child.counts.fill(0);
      child.sum = 0;
      child.count = 0;
    }
  }
}
