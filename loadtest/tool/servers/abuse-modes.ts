// --abuse (docs/loadtest.md): the scenario against Pampero started once per mode, one after the
// other on the bench ports, then a table of the headline figures per mode and, when `off` is one
// of them, the cost of abuse control in % of it. Modes:
//   off      abuse.enabled false;
//   on       abuse.enabled, every rule on with a budget nobody meets (10^9): every check runs,
//            nobody is throttled — the price of the checks themselves (issue #9: goal < 10 %);
//   default  abuse.enabled, the default policy, with the generator's own address (127.0.0.1)
//            allow-listed: it stands for many users' addresses, while a flood from another
//            address (--flood-logins, --flood-from 127.0.0.2) meets the real limits.
// The policy is written with `pampero limits` into the bench data directory before each start.
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { markdownTable } from '../report/markdown-report.js';
import { BENCH_DOMAIN, pamperoDist } from './bench-layout.js';
import { runCommand } from './run-command.js';
import { costPercent, runPamperoModes, serverCpuPerDelivered, type ModeOutcome as AnyModeOutcome } from './pampero-modes.js';
import { RULE_NAMES } from '../../../shared/abuse/policy.js';
import type { AbuseMode, LoadtestOptions } from '../options.js';

export { costPercent };
export type ModeOutcome = AnyModeOutcome<AbuseMode>;

const NOBODY_MEETS = '1000000000';

async function limits(o: LoadtestOptions, args: string[]): Promise<void> {
  await runCommand('node', [join(pamperoDist(), 'cli', 'pampero.cjs'), 'limits', ...args, '--data-dir', o.pamperoData, '--domain', BENCH_DOMAIN], { timeoutMs: 60_000, capture: true });
}

/** Writes the mode's policy into the (stopped) server's data directory. */
async function preparePolicy(mode: AbuseMode, o: LoadtestOptions, log: (line: string) => void): Promise<void> {
  if (mode === 'off') return;
  await limits(o, ['reset']);
  if (mode === 'default') {
    await limits(o, ['allow', '--ips', '127.0.0.1', '--accounts', '']);
    log('policy: defaults, 127.0.0.1 allow-listed');
    return;
  }
  await limits(o, ['allow', '--ips', '', '--accounts', '']);
  for (const rule of RULE_NAMES) await limits(o, ['set', rule, '--points', NOBODY_MEETS, '--enable']);
  log(`policy: all ${RULE_NAMES.length} rules on, ${NOBODY_MEETS} points each`);
}

export async function runAbuseModes(o: LoadtestOptions, outDir: string, log: (line: string) => void): Promise<ModeOutcome[]> {
  const outcomes = await runPamperoModes({
    kind: 'abuse', what: 'abuse control', modes: o.abuseModes,
    env: (mode) => ({ PAMPERO_ABUSE__ENABLED: mode === 'off' ? 'false' : 'true' }),
    prepare: (mode, log) => preparePolicy(mode, o, log),
    settleMs: 1500, // the policy is read at start; let the components attach
  }, o, outDir, log);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'abuse.md'), abuseMarkdown(outcomes, o));
  return outcomes;
}

export function abuseMarkdown(outcomes: ModeOutcome[], o: LoadtestOptions): string {
  const off = outcomes.find((x) => x.mode === 'off')?.report;
  const others = outcomes.filter((x) => x.mode !== 'off');
  const names = outcomes.find((x) => x.report)?.report?.headline ?? [];
  const rows = names.map((h, i) => [
    `${h.name} (${h.unit}, ${h.better} is better)`,
    ...outcomes.map((x) => String(x.report?.headline[i]?.value ?? '–')),
    ...(off ? others.map((x) => {
      const cost = costPercent(off.headline[i]?.value, x.report?.headline[i]?.value, h.better);
      return cost === null ? '–' : `${cost} %`;
    }) : []),
  ]);
  const cpu = outcomes.map((x) => (x.report ? serverCpuPerDelivered(x.report) : null));
  const offCpu = cpu[outcomes.findIndex((x) => x.mode === 'off')];
  if (cpu.some((c) => c !== null)) rows.push([
    'server CPU per delivered stanza, whole run (µs, lower is better)',
    ...cpu.map((c) => (c === null ? '–' : String(c))),
    ...(off ? others.map((x) => {
      const cost = costPercent(offCpu, cpu[outcomes.indexOf(x)], 'lower');
      return cost === null ? '–' : `${cost} %`;
    }) : []),
  ]);
  for (const x of outcomes) {
    const flood = x.report?.result.flood as { achieved_per_s?: number; refusedAtConnect?: number; refusedAtLogin?: number; passwordChecked?: number } | undefined;
    if (flood) rows.push([`login flood (${x.mode}): ${flood.achieved_per_s}/s, ${flood.refusedAtConnect} refused at connect, ${flood.refusedAtLogin} at login, ${flood.passwordChecked} passwords checked`, ...outcomes.map(() => ''), ...(off ? others.map(() => '') : [])]);
  }
  for (const x of outcomes) if (!x.report) rows.push([`${x.mode} not measured: ${x.error}`, ...outcomes.map(() => ''), ...(off ? others.map(() => '') : [])]);
  const header = ['figure', ...outcomes.map((x) => `abuse ${x.mode}`), ...(off ? others.map((x) => `cost of ${x.mode} vs off`) : [])];
  return [`# pampero-loadtest --abuse: ${o.scenario} over ${o.target.transport}`, markdownTable({ title: 'Abuse control', header, rows }),
    'Cost: how much worse than with abuse control off (throughput lower, latency higher, more server CPU per stanza), in %. ' +
    'The CPU row counts every stanza delivered in every step: it does not jump with the step size as the best-step figures do. Per-mode reports: `<out>/abuse-<mode>/`.'].join('\n\n') + '\n';
}
