// The side-by-side table of a --compare run: each headline figure per server and the ratio
// Pampero / reference (> 1 is better where higher is better, < 1 where lower is better).
import { markdownTable } from './markdown-report.js';
import { htmlTable, charts } from './html-report.js';
import { environmentTable, type Table } from './report-sections.js';
import { CHART_CSS } from './svg-charts.js';
import type { CompareOutcome } from '../servers/compare.js';
import type { LoadtestOptions } from '../options.js';

export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return '–';
  return (a / b).toFixed(2);
}

export function compareTable(outcomes: CompareOutcome[]): Table {
  const refs = outcomes.filter((x) => x.server !== 'pampero');
  const pampero = outcomes.find((x) => x.server === 'pampero')?.report;
  const names = outcomes.find((x) => x.report)?.report?.headline ?? [];
  const rows = names.map((h, i) => {
    const values = outcomes.map((x) => x.report?.headline[i]?.value ?? null);
    const mine = pampero?.headline[i]?.value;
    return [`${h.name} (${h.unit}, ${h.better} is better)`, ...values.map((v) => v ?? '–'), ...refs.map((r) => ratio(mine, r.report?.headline[i]?.value))];
  });
  const header = ['figure', ...outcomes.map((x) => x.server), ...refs.map((r) => `Pampero / ${r.server}`)];
  const identity = (x: CompareOutcome) => (x.report?.server.name ? `${x.report.server.name} ${x.report.server.version ?? ''}`.trim() : 'unknown');
  rows.push(['server (XEP-0092 version)', ...outcomes.map(identity), ...refs.map(() => '')]);
  const notes = outcomes.filter((x) => !x.report).map((x) => [`${x.server} not measured: ${x.skipped}`, ...header.slice(1).map(() => '')]);
  const warnings = outcomes.flatMap((x) => (x.report?.warnings ?? []).map((w) => [`${x.server}: ${w}`, ...header.slice(1).map(() => '')]));
  return { title: 'Comparison', header, rows: [...rows, ...notes, ...warnings] };
}

/** Which SASL mechanism (and storage) every server was measured with. */
const saslNote = (o: LoadtestOptions) => (o.target.sasl === 'scram-sha-1' ? ', SASL SCRAM-SHA-1 (SCRAM-stored accounts)' : ', SASL PLAIN');

export function compareMarkdown(outcomes: CompareOutcome[], o: LoadtestOptions): string {
  const first = outcomes.find((x) => x.report)?.report;
  return [`# pampero-loadtest --compare: ${o.scenario} over ${o.target.transport}${saslNote(o)}`, markdownTable(compareTable(outcomes)),
    first ? `## ${environmentTable(first).title}\n\n${markdownTable(environmentTable(first))}` : '',
    'Per-server reports: `<out>/<server>/report.md` and `report.html`.'].join('\n\n') + '\n';
}

export function compareHtml(outcomes: CompareOutcome[], o: LoadtestOptions): string {
  const sections = outcomes.filter((x) => x.report).map((x) => `<h2>${x.server}</h2><div class="charts">${charts(x.report!).slice(0, 3).join('')}</div>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>compare ${o.scenario}</title><style>body{font:14px sans-serif;margin:24px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}.charts{display:flex;flex-wrap:wrap;gap:8px}${CHART_CSS}</style></head><body>
<h1>pampero-loadtest --compare: ${o.scenario} over ${o.target.transport}${saslNote(o)}</h1>${htmlTable(compareTable(outcomes))}${sections.join('')}</body></html>\n`;
}
