// Writes a run's files: result.json (everything), report.md, report.html; appends the
// xmppbench-shaped JSON line to --json-out so both tools' results sit in one file.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htmlReport } from './html-report.js';
import { markdownReport } from './markdown-report.js';
import type { RunReport } from '../coordinator/run-scenario.js';

export function defaultOutDir(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `/tmp/pampero-loadtest/${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

export async function writeReports(r: RunReport, dir: string, jsonOut?: string): Promise<{ markdown: string; html: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { markdown: join(dir, 'report.md'), html: join(dir, 'report.html'), json: join(dir, 'result.json') };
  await writeFile(paths.json, JSON.stringify(r, null, 1));
  await writeFile(paths.markdown, markdownReport(r));
  await writeFile(paths.html, htmlReport(r));
  if (jsonOut) await appendFile(jsonOut, JSON.stringify(r.result) + '\n');
  return paths;
}
