import { Gauge, Histogram, Registry } from 'prom-client';
import { HotCounter, HotGauge, HotHistogram } from './hot-path-metrics.js';

test('a hot counter is scraped like a prom-client counter, children bound once', async () => {
  const registry = new Registry();
  const counter = new HotCounter({ name: 't_stanzas_total', help: 'Stanzas', labelNames: ['kind'] as const, registers: [registry] });
  const message = counter.labels('message');
  expect(counter.labels('message')).toBe(message);
  message.inc();
  message.inc();
  counter.inc({ kind: 'iq' });
  expect(await registry.metrics()).toBe('# HELP t_stanzas_total Stanzas\n# TYPE t_stanzas_total counter\nt_stanzas_total{kind="message"} 2\nt_stanzas_total{kind="iq"} 1\n');
});

test('a hot histogram scrapes exactly as prom-client\'s histogram for the same observations', async () => {
  const hot = new Registry();
  const reference = new Registry();
  const buckets = [0.001, 0.01, 0.1];
  const fast = new HotHistogram({ name: 't_seconds', help: 'Time', labelNames: ['source'] as const, buckets, registers: [hot] });
  const slow = new Histogram({ name: 't_seconds', help: 'Time', labelNames: ['source'] as const, buckets, registers: [reference] });
  const child = fast.labels('client');
  for (const v of [0.0005, 0.001, 0.002, 0.05, 0.5, 3]) {
    child.observe(v);
    slow.labels('client').observe(v);
  }
  expect(await hot.metrics()).toBe(await reference.metrics());
  const withoutExemplars = (values: unknown[]) => values.map((v) => ({ ...(v as object), exemplar: undefined }));
  expect(withoutExemplars((await hot.getMetricsAsJSON())[0]!.values)).toEqual(withoutExemplars((await reference.getMetricsAsJSON())[0]!.values));
});

test('a hot gauge scrapes exactly as prom-client\'s gauge after the same changes', async () => {
  const hot = new Registry();
  const reference = new Registry();
  const fast = new HotGauge({ name: 't_in_flight', help: 'In flight', labelNames: ['store'] as const, registers: [hot] });
  const slow = new Gauge({ name: 't_in_flight', help: 'In flight', labelNames: ['store'] as const, registers: [reference] });
  const child = fast.labels('accounts');
  expect(fast.labels('accounts')).toBe(child);
  for (const g of [child, slow.labels('accounts')]) {
    g.inc();
    g.inc(3);
    g.dec();
  }
  fast.labels('rosters').set(7);
  slow.labels('rosters').set(7);
  expect(await hot.metrics()).toBe(await reference.metrics());
});
