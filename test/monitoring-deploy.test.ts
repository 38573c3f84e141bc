// deploy/grafana/pampero-dashboard.json and docs/metrics.md stay true: every metric a dashboard
// panel queries is one the code declares, and every declared pampero_ metric is documented.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';
import '../gateway/gateway-metrics.js';
import '../shared/router/router-metrics.js';
import '../shared/storage/instrumented-stores.js';
import '../shared/cluster/redis-metrics.js';
import '../shared/abuse/abuse-metrics.js';
import '../shared/health/health-snapshot-writer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

async function declared(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (metric.type === ('histogram' as never)) for (const suffix of ['_bucket', '_count', '_sum']) names.add(metric.name + suffix);
  }
  return names;
}

test('every metric the Grafana dashboard queries is declared by the code', async () => {
  const dashboard = JSON.parse(read('deploy', 'grafana', 'pampero-dashboard.json')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const names = await declared();
  const queried = dashboard.panels.flatMap((p) => p.targets ?? []).flatMap((t) => t.expr.match(/pampero_[a-z0-9_]+/g) ?? []);
  expect(queried.length).toBeGreaterThan(20);
  for (const name of queried) expect([name, names.has(name)]).toEqual([name, true]);
});

test('docs/metrics.md names every metric of the gateway, router, storage and Redis modules', async () => {
  const doc = read('docs', 'metrics.md');
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    if (/^pampero_(process|nodejs)_/.test(metric.name)) continue; // prom-client defaults, documented as a group
    if (/^pampero_(c2s|router|component|storage|redis)_/.test(metric.name)) expect([metric.name, doc.includes(`\`${metric.name}\``)]).toEqual([metric.name, true]);
  }
});

test('the Prometheus scrape config scrapes /metrics of the default HTTP port', () => {
  const config = parse(read('deploy', 'prometheus', 'prometheus.yml')) as { scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }> };
  expect(config.scrape_configs[0]!.metrics_path).toBe('/metrics');
  expect(config.scrape_configs[0]!.static_configs[0]!.targets).toContain('127.0.0.1:5280');
});
