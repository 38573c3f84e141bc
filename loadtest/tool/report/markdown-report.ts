// The Markdown summary printed at the end of a run and written next to the HTML report.
import { allTables, type Table } from './report-sections.js';
import type { RunReport } from '../coordinator/run-scenario.js';

const cell = (v: string | number | null) => String(v ?? '–').replace(/\|/g, '\\|');

export function markdownTable(t: Table): string {
  return [`| ${t.header.join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function markdownReport(r: RunReport): string {
  const title = `# pampero-loadtest: ${r.options.scenario} over ${r.options.target.transport}${r.label ? ` (${r.label})` : ''}`;
  const parts = [title];
  if (r.warnings.length) parts.push('## Warnings\n\n' + r.warnings.map((w) => `- ${w}`).join('\n'));
  for (const t of allTables(r)) parts.push(`## ${t.title}\n\n${t.rows.length ? markdownTable(t) : '(nothing changed)'}`);
  return parts.join('\n\n') + '\n';
}
