// What --abuse and --archive share: the scenario's accounts provisioned once, then Pampero started
// on the bench ports once per mode (with the mode's environment, after the mode's preparation),
// the scenario run against it with the mode's options, its reports written to <out>/<kind>-<mode>/,
// the server stopped; a mode that fails is recorded and the next one still runs. With rounds > 1 the
// mode list runs that many times over (off, on, off, on, …) so that a machine whose speed drifts
// within the hour hits every mode alike. Plus the cost of a figure against the first mode, in %.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { runScenario, type RunReport } from '../coordinator/run-scenario.js';
import { writeReports } from '../report/write-reports.js';
import { provisionAccounts } from './provision.js';
import { startServer } from './server-control.js';
import { optionsFor } from './compare.js';
import { usersNeeded } from '../scenario-defaults.js';
import { withLoginFlood } from '../flood/login-flood.js';
import type { LoadtestOptions } from '../options.js';
import { sleep } from '../timeouts.js';

export interface ModeOutcome<M extends string = string> {
  mode: M;
  /** 1-based: which pass over the mode list. */
  round: number;
  report: RunReport | null;
  error?: string;
}

export interface PamperoModes<M extends string> {
  /** 'abuse', 'archive': labels, log lines and the per-mode report directories `<kind>-<mode>/`. */
  kind: string;
  /** Words for the log line of a mode, e.g. 'abuse control'. */
  what: string;
  modes: M[];
  /** PAMPERO_* variables of the mode's server (they win over server-control's defaults). */
  env(mode: M): Record<string, string>;
  /** Runs with the server stopped, before its start (e.g. writes a policy into the data directory). */
  prepare?(mode: M, log: (line: string) => void): Promise<void>;
  /** The run's options for the mode (e.g. clients that enable carbons). */
  options?(mode: M, o: LoadtestOptions): LoadtestOptions;
  /** Wait after the start before the run (components attach, policies load), ms. */
  settleMs: number;
  /**
   * Start every mode run from the data directory as provisioned (a copy taken after provisioning),
   * so that no run inherits what an earlier one stored (e.g. the archive of the previous `on`).
   */
  resetData?: boolean;
  /** Passes over the mode list (default 1). */
  rounds?: number;
}

export async function runPamperoModes<M extends string>(spec: PamperoModes<M>, o: LoadtestOptions, outDir: string, log: (line: string) => void): Promise<Array<ModeOutcome<M>>> {
  await provisionAccounts({
    server: 'pampero', userFormat: o.target.userFormat, passwordFormat: o.target.passwordFormat,
    count: o.provisionCount ?? usersNeeded(o.scenario, o) + o.target.firstIndex - 1,
    roster: o.scenario === 'roster' ? 20 : 0, pamperoData: o.pamperoData, pamperoIterations: o.pamperoIterations, serverCpu: o.serverCpu,
  }, log);
  const rounds = spec.rounds ?? 1;
  const pristine = spec.resetData ? await mkdtemp(join(tmpdir(), `pampero-${spec.kind}-data-`)) : null;
  if (pristine) await cp(o.pamperoData, pristine, { recursive: true });
  const outcomes: Array<ModeOutcome<M>> = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const mode of spec.modes) outcomes.push(await runMode(spec, mode, round, rounds, pristine, o, outDir, log));
    }
  } finally {
    if (pristine) await rm(pristine, { recursive: true, force: true });
  }
  return outcomes;
}

async function runMode<M extends string>(spec: PamperoModes<M>, mode: M, round: number, rounds: number, pristine: string | null,
  o: LoadtestOptions, outDir: string, log: (line: string) => void): Promise<ModeOutcome<M>> {
  const name = rounds > 1 ? `${mode}-r${round}` : mode;
  log(`=== pampero, ${spec.what} ${mode}${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}`);
  try {
    if (pristine) {
      await rm(o.pamperoData, { recursive: true, force: true });
      await cp(pristine, o.pamperoData, { recursive: true });
    }
    await spec.prepare?.(mode, log);
    const running = await startServer('pampero', { ...o, env: spec.env(mode) });
    log(`pampero up, pid(s) ${running.pids.join(' ')}`);
    try {
      await sleep(spec.settleMs);
      const modeOptions = spec.options ? spec.options(mode, o) : o;
      const aimed = { ...(optionsFor('pampero', modeOptions, running.pids) as LoadtestOptions), label: `${spec.kind} ${name} ${o.scenario}${o.label ? ' ' + o.label : ''}` };
      const report = await withLoginFlood(aimed, log, () => runScenario(aimed, log));
      const files = await writeReports(report, join(outDir, `${spec.kind}-${name}`), o.jsonOut);
      log(`${spec.kind} ${name}: ${files.markdown}`);
      return { mode, round, report };
    } finally {
      await running.stop();
    }
  } catch (err) {
    log(`${spec.kind} ${name}: failed: ${(err as Error).message}`);
    return { mode, round, report: null, error: (err as Error).message };
  }
}

/** The median of the numbers (mean of the middle two for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The cost of a mode against `off`, in % (positive: worse), for a figure where `better` is higher or lower. */
export function costPercent(off: number | null | undefined, value: number | null | undefined, better: 'higher' | 'lower'): number | null {
  if (off === null || off === undefined || value === null || value === undefined || off === 0) return null;
  const change = better === 'higher' ? (off - value) / off : (value - off) / off;
  return Math.round(change * 1000) / 10;
}

/**
 * Server CPU per delivered stanza over the whole run, in µs: the price of a mode independent of
 * where the stepped search happened to stop (a coarse step makes the best-step figures jump).
 * Null when the run delivered nothing or its result has no steps.
 */
export function serverCpuPerDelivered(r: RunReport): number | null {
  const steps = r.result.steps as Array<{ received?: number }> | undefined;
  const delivered = (steps ?? []).reduce((sum, s) => sum + (s.received ?? 0), 0);
  if (delivered === 0) return null;
  return Math.round((r.cpu.server / delivered) * 1e7) / 10;
}
