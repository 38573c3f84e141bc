import { LatencyHistogram } from '../stats/latency-histogram.js';
import { judgeStep } from '../stats/step-rule.js';
import { parseOptions } from '../parse-options.js';
import { markdownReport } from './markdown-report.js';
import { htmlReport } from './html-report.js';
import { compareMarkdown, compareTable, ratio } from './compare-report.js';
import { changedMetrics, parsePrometheusText } from './metrics-scrape.js';
import { niceTicks } from './svg-charts.js';
import type { RunReport } from '../coordinator/run-scenario.js';

function chatReport(deliveredPerS = 2000, withMetrics = true): RunReport {
  const latency = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) latency.record(i * 50);
  const step = judgeStep({ offeredPerS: 2000, sent: 16000, expected: 16000, received: 16000, sendWallS: 8, latency, fanout: 1, attempt: 1 }, 100);
  const options = parseOptions(['-s', 'chat', '--rates', '2000', '--metrics-url', 'http://127.0.0.1:17280/metrics']);
  return {
    label: 'fixture', result: { scenario: 'chat', steps: [step], best_step: step },
    headline: [{ name: 'delivered/s (best passing step)', value: deliveredPerS, unit: '/s', better: 'higher' }],
    latency: latency.serialize(), latencyLabel: 'delivery latency',
    timeline: [0, 1, 2].map((t) => ({ tS: t, connected: 500, sentPerS: 2000, receivedPerS: 1990, p50Ms: 3, p99Ms: t === 1 ? null : 40,
      serverRssMiB: 80 + t, serverCpuPct: 60, generatorCpuPct: 30 })),
    generator: { processes: 1, cpuS: 3, peakCorePct: 91, secondsAbove80Pct: 2, workers: 1 },
    cpu: { wall: 10, server: 6, driver: 3, foreign: 0.2 },
    warnings: ['the generator used up to 91 % of a core'],
    options,
    environment: { date: '2026-11-25T00:00:00Z', node: 'v20.20.2', tool: 'pampero 0.1.0', machine: { nproc: 2, cpu: 'AMD EPYC', kernel: '6.1', os: 'Debian 12', memGiB: 24 } },
    server: { name: 'Pampero', version: '0.1.0', items: ['roster.bench.local'], pids: [42], nodeVersion: 'v20.20.2' },
    metrics: withMetrics ? { changed: changedMetrics('pampero_router_stanzas_total{kind="message"} 10\n', 'pampero_router_stanzas_total{kind="message"} 16010\n'), before: '', after: '' } : null,
  };
}

describe('Markdown report', () => {
  it('has the result, steps, latency, resources, parameters, environment and /metrics sections', () => {
    const md = markdownReport(chatReport());
    for (const section of ['## Warnings', '## Result', '## Steps', '## Latency: delivery latency', '## CPU and memory', '## Parameters', '## Environment', '## Server /metrics']) {
      expect(md).toContain(section);
    }
    expect(md).toContain('| 2000 | 1 | 16000 | 16000 | 0 |');
    expect(md).toContain('Pampero 0.1.0');
    expect(md).toContain('2 CPUs, AMD EPYC');
    expect(md).toContain('pampero_router_stanzas_total{kind="message"} | 10 | 16010 | 16000');
  });

  it('leaves the /metrics section out when the target is not Pampero', () => {
    expect(markdownReport(chatReport(2000, false))).not.toContain('## Server /metrics');
  });
});

describe('HTML report', () => {
  const html = htmlReport(chatReport());

  it('is one self-contained file: inline SVG charts, no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|@import/);
    expect(html.match(/<svg /g)?.length).toBe(6);
  });

  it('plots throughput, latency percentiles, the latency histogram and server RSS/CPU over time', () => {
    for (const title of ['Throughput', 'Latency percentiles', 'Latency histogram', 'Clients connected', 'Server memory (RSS)', 'CPU (% of one core)']) {
      expect(html).toContain(title);
    }
    expect(html).toMatch(/<path d="M[\d.,L]+M/); // the missing p99 sample breaks the line
  });

  it('escapes text taken from the server', () => {
    const r = chatReport();
    r.server.name = '<b>evil</b>';
    expect(htmlReport(r)).toContain('&lt;b&gt;evil&lt;/b&gt;');
  });
});

describe('comparison', () => {
  it('puts each server in a column and the ratios Pampero / reference after them', () => {
    const table = compareTable([
      { server: 'pampero', report: chatReport(6000) }, { server: 'prosody', report: chatReport(2500) }, { server: 'ejabberd', report: chatReport(6000) },
    ]);
    expect(table.header).toEqual(['figure', 'pampero', 'prosody', 'ejabberd', 'Pampero / prosody', 'Pampero / ejabberd']);
    expect(table.rows[0].slice(1, 6)).toEqual([6000, 2500, 6000, '2.40', '1.00']);
  });

  it('says why a server has no figures', () => {
    const md = compareMarkdown([{ server: 'pampero', report: chatReport() }, { server: 'prosody', report: null, skipped: 'port 15222 in use' }], chatReport().options);
    expect(md).toContain('prosody not measured: port 15222 in use');
    expect(ratio(1, 0)).toBe('–');
  });
});

describe('helpers', () => {
  it('reads Prometheus text, skipping comments and histogram buckets when diffing', () => {
    const text = '# HELP x\nx_total 3\ny{a="1"} 2.5\nh_bucket{le="1"} 4\n';
    expect(parsePrometheusText(text).get('y{a="1"}')).toBe(2.5);
    expect(changedMetrics('x_total 1\nh_bucket{le="1"} 1\n', text).map((m) => m.name)).toEqual(['x_total', 'y{a="1"}']);
  });

  it('chooses round axis ticks', () => {
    expect(niceTicks(9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
