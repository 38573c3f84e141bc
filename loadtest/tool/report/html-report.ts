// One self-contained HTML file: the Markdown report's tables plus inline SVG plots of throughput,
// latency percentiles and server memory/CPU over time and the latency histogram.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { allTables, type Table } from './report-sections.js';
import { CHART_CSS, histogramChart, lineChart } from './svg-charts.js';
import type { RunReport } from '../coordinator/run-scenario.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function htmlTable(t: Table): string {
  const head = `<tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c ?? '–'))}</td>`).join('')}</tr>`).join('');
  return `<h2>${esc(t.title)}</h2><table>${head}${rows}</table>`;
}

export function charts(r: RunReport): string[] {
  const tl = r.timeline;
  const at = <K extends keyof (typeof tl)[number]>(key: K) => tl.map((p) => [p.tS, p[key] as number | null] as [number, number | null]);
  return [
    lineChart('Throughput', 'time (s)', 'stanzas/s', [
      { name: 'sent/s', color: '#2b8a3e', points: at('sentPerS') },
      { name: 'received/s', color: '#1c64d1', points: at('receivedPerS') },
    ]),
    lineChart('Latency percentiles (per second)', 'time (s)', 'ms', [
      { name: 'p50', color: '#1c64d1', points: at('p50Ms') },
      { name: 'p99', color: '#d9480f', points: at('p99Ms') },
    ]),
    histogramChart(`Latency histogram: ${r.latencyLabel}`, LatencyHistogram.from(r.latency).bucketRanges()),
    lineChart('Clients connected', 'time (s)', 'clients', [{ name: 'connected', color: '#5f3dc4', points: at('connected') }]),
    lineChart('Server memory (RSS)', 'time (s)', 'MiB', [{ name: 'server RSS', color: '#c2255c', points: at('serverRssMiB') }]),
    lineChart('CPU (% of one core)', 'time (s)', '%', [
      { name: 'server', color: '#c2255c', points: at('serverCpuPct') },
      { name: 'generator (all)', color: '#868e96', points: at('generatorCpuPct') },
    ]),
  ];
}

export function htmlReport(r: RunReport): string {
  const title = `pampero-loadtest: ${r.options.scenario} over ${r.options.target.transport}${r.label ? ` (${r.label})` : ''}`;
  const warnings = r.warnings.length ? `<div class="w"><b>Warnings</b><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>` : '';
  const [headline, ...rest] = allTables(r);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:14px sans-serif;margin:24px;max-width:1320px}table{border-collapse:collapse;margin-bottom:12px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}.w{background:#fff4e6;border:1px solid #f08c00;padding:8px}
.charts{display:flex;flex-wrap:wrap;gap:8px}${CHART_CSS}</style></head><body>
<h1>${esc(title)}</h1>${warnings}${htmlTable(headline)}
<h2>Over time</h2><div class="charts">${charts(r).join('')}</div>
${rest.map(htmlTable).join('\n')}
<h2>Raw result (xmppbench keys)</h2><pre>${esc(JSON.stringify(r.result, null, 1))}</pre>
</body></html>
`;
}
