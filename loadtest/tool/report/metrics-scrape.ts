// Pampero's Prometheus text (/metrics) before and after a run: the counters that moved say what
// the server did (stanzas routed, errors, sessions), next to what the generator saw.
import { get } from 'node:http';

export type MetricSamples = Map<string, number>;

/** GET without keep-alive (no pooled socket outlives the run), 5 s at most; null on failure. */
export function scrapeMetrics(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** `name{labels} value` lines → map (comments and malformed lines skipped). */
export function parsePrometheusText(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{.*\})?)\s+(\S+)/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

export interface MetricChange {
  name: string;
  before: number | null;
  after: number;
  delta: number | null;
}

/** Samples whose value changed (or appeared), histogram buckets left out; at most `limit`. */
export function changedMetrics(before: string, after: string, limit = 60): MetricChange[] {
  const a = parsePrometheusText(before);
  const b = parsePrometheusText(after);
  const out: MetricChange[] = [];
  for (const [name, value] of b) {
    if (name.includes('_bucket{')) continue;
    const old = a.get(name);
    if (old === value) continue;
    out.push({ name, before: old ?? null, after: value, delta: old === undefined ? null : value - old });
  }
  // the server's own metrics first, then the runtime's (heap spaces, event loop lag, …)
  const runtime = (m: MetricChange) => (/_(nodejs|process)_/.test(m.name) ? 1 : 0);
  return out.sort((x, y) => runtime(x) - runtime(y) || x.name.localeCompare(y.name)).slice(0, limit);
}

/** The Node version a prom-client server reports (nodejs_version_info), if any. */
export function nodeVersionFromMetrics(text: string): string | null {
  return /_version_info\{[^}]*version="([^"]+)"/.exec(text)?.[1] ?? null;
}
