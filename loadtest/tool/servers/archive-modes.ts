// --archive (docs/loadtest.md): the chat scenario against Pampero started once per mode, one after
// the other on the bench ports, then a table per mode and, when `off` is one of them, the cost of
// the message archive and carbons in % of it (issue #12: goal < 25 %). Modes:
//   off  archive.enabled false, the clients do not enable carbons;
//   on   archive.enabled, every client enables carbons (XEP-0280) after binding: each message is
//        archived for both parties (XEP-0313) and the router does the carbons work on it.
// Every mode run starts from the provisioned data directory (no run inherits an earlier archive);
// with --rounds N the list runs N times, alternating, and the table ends with the medians.
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { RunReport } from '../coordinator/run-scenario.js';
import { markdownTable } from '../report/markdown-report.js';
import { costPercent, median, runPamperoModes, type ModeOutcome } from './pampero-modes.js';
import type { ArchiveMode, LoadtestOptions } from '../options.js';

export type ArchiveOutcome = ModeOutcome<ArchiveMode>;

export async function runArchiveModes(o: LoadtestOptions, outDir: string, log: (line: string) => void): Promise<ArchiveOutcome[]> {
  const outcomes = await runPamperoModes({
    kind: 'archive', what: 'archive and carbons', modes: o.archiveModes,
    env: (mode) => ({ PAMPERO_ARCHIVE__ENABLED: mode === 'on' ? 'true' : 'false' }),
    options: (mode, run) => ({ ...run, carbons: mode === 'on' }),
    settleMs: 1500, // let the components (the archive among them) attach
    resetData: true, rounds: o.rounds,
  }, o, outDir, log);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'archive.md'), archiveMarkdown(outcomes, o));
  return outcomes;
}

/** The figures of one mode's run: best passing step's delivered/s and p99, server CPU over the run. */
export function archiveFigures(r: RunReport): { deliveredPerS: number; p99Ms: number | null; serverCpuS: number; serverCorePct: number | null } {
  const best = r.result.best_step as { delivered_per_s?: number; lat_ms_p99?: number | null } | null | undefined;
  return {
    deliveredPerS: best?.delivered_per_s ?? 0,
    p99Ms: best?.lat_ms_p99 ?? null,
    serverCpuS: r.cpu.server,
    serverCorePct: r.cpu.wall > 0 ? Math.round((r.cpu.server / r.cpu.wall) * 100) : null,
  };
}

export function archiveMarkdown(outcomes: ArchiveOutcome[], o: LoadtestOptions): string {
  const rounds = Math.max(1, ...outcomes.map((x) => x.round));
  const offOf = (round: number) => {
    const off = outcomes.find((x) => x.mode === 'off' && x.round === round)?.report;
    return off ? archiveFigures(off).deliveredPerS : null;
  };
  const costs: number[] = [];
  const rows = outcomes.map((x) => {
    const label = (x.mode === 'on' ? 'on (archive + carbons)' : 'off') + (rounds > 1 ? `, round ${x.round}` : '');
    if (!x.report) return [label, `not measured: ${x.error}`, '–', '–', '–'];
    const f = archiveFigures(x.report);
    const cost = x.mode === 'off' ? null : costPercent(offOf(x.round), f.deliveredPerS, 'higher');
    if (cost !== null) costs.push(cost);
    return [
      label, String(f.deliveredPerS), f.p99Ms === null ? '–' : String(f.p99Ms),
      `${f.serverCpuS} s${f.serverCorePct === null ? '' : ` (${f.serverCorePct} % of a core)`}`,
      x.mode === 'off' ? '' : cost === null ? '–' : `${cost} %`,
    ];
  });
  const header = ['mode', `delivered msg/s (p99 < ${o.p99LimitMs} ms, 0 lost)`, 'p99 (ms)', 'server CPU', 'cost vs off'];
  const parts = [`# pampero-loadtest --archive: ${o.scenario} over ${o.target.transport}`, markdownTable({ title: 'Message archive and carbons', header, rows })];
  if (rounds > 1) parts.push(mediansLine(outcomes, costs, rounds));
  const capped = atTopStep(outcomes, o);
  if (capped.length > 0) {
    parts.push(`**Warning:** ${capped.join(', ')} passed the highest step offered (${Math.max(...o.rates)} msg/s): ` +
      'its throughput may be higher than the table says, so a cost against it is uncertain (too low when it is off). Offer higher --rates.');
  }
  parts.push('Delivered msg/s and p99: the best passing step (nothing lost, p99 under the limit). Cost: how much lower the throughput than with archive and carbons off ' +
    (rounds > 1 ? 'in the same round, ' : '') + 'in %. Every run starts from the provisioned data directory. ' +
    `Per-run reports: \`<out>/archive-<mode>${rounds > 1 ? '-r<round>' : ''}/\`.`);
  return parts.join('\n\n') + '\n';
}

/** The runs whose best passing step was the highest rate offered (a ceiling of the ladder, not of the server). */
function atTopStep(outcomes: ArchiveOutcome[], o: LoadtestOptions): string[] {
  const top = Math.max(...o.rates);
  const rounds = Math.max(1, ...outcomes.map((x) => x.round));
  return outcomes.filter((x) => (x.report?.result.best_step as { offered_per_s?: number } | null | undefined)?.offered_per_s === top)
    .map((x) => x.mode + (rounds > 1 ? `, round ${x.round}` : ''));
}

/** Over the rounds: the median throughput of each mode and the median of the rounds' costs. */
function mediansLine(outcomes: ArchiveOutcome[], costs: number[], rounds: number): string {
  const medianOf = (mode: 'off' | 'on') => median(outcomes.filter((x) => x.mode === mode && x.report).map((x) => archiveFigures(x.report!).deliveredPerS));
  const figures = (['off', 'on'] as const).filter((m) => outcomes.some((x) => x.mode === m))
    .map((m) => `${m} ${medianOf(m) ?? '–'} msg/s`);
  const cost = median(costs);
  return `Medians over ${rounds} rounds: ${figures.join(', ')}` +
    (cost === null ? '.' : `; cost ${Math.round(cost * 10) / 10} % (rounds: ${costs.map((c) => `${c} %`).join(', ')}).`);
}
