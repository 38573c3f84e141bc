// --flood-logins (docs/loadtest.md): while a scenario runs, a separate process floods the c2s port
// with failed logins from --flood-from (e.g. 127.0.0.2, so the legitimate users on 127.0.0.1 are
// another address); its counts go into the report (result.flood) and the terminal. Bounded: the
// flood stops with the run, at the run's deadline at the latest.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadtestOptions } from '../options.js';
import type { RunReport } from '../coordinator/run-scenario.js';
import type { FloodCounts, FloodSettings } from './login-flood-main.js';
import { pinToCpu } from '../servers/cpu-pinning.js';

/** Runs `run` with the flood going (when --flood-logins > 0) and adds the flood's counts to its report. */
export async function withLoginFlood(o: LoadtestOptions, log: (line: string) => void, run: () => Promise<RunReport>): Promise<RunReport> {
  if (o.floodLogins <= 0) return run();
  const settings: FloodSettings = {
    host: o.target.host, port: o.target.ports?.[0] ?? o.target.port, domain: o.target.domain, from: o.floodFrom,
    perSecond: o.floodLogins, deadlineMs: o.deadlineS * 1000, accounts: 1000,
  };
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'login-flood-main.js'), ['--login-flood', JSON.stringify(settings)], { stdio: 'inherit' });
  const counts = new Promise<FloodCounts | null>((resolve) => {
    child.once('message', (m: unknown) => resolve((m as { counts: FloodCounts }).counts));
    child.once('exit', () => resolve(null));
  });
  // On the generator's CPU when it is pinned (the bench: the server alone on its own): a flood
  // comes from elsewhere in real life, and the server's core is what is being measured.
  if (o.generatorCpu !== undefined && child.pid) await pinToCpu(child.pid, o.generatorCpu);
  log(`login flood: ${o.floodLogins}/s from ${o.floodFrom} (pid ${child.pid}${o.generatorCpu !== undefined ? `, CPU ${o.generatorCpu}` : ''})`);
  let report: RunReport;
  try {
    report = await run();
  } finally {
    if (child.connected) child.send({ op: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000); // ours, by its handle
    await counts;
    clearTimeout(timer);
  }
  const flood = await counts;
  if (!flood) {
    report.warnings.push('the login flood process ended without its counts');
    return report;
  }
  const rate = flood.seconds > 0 ? Math.round(flood.attempts / flood.seconds) : 0;
  log(`login flood: ${flood.attempts} attempts in ${flood.seconds} s (${rate}/s): ${flood.refusedAtConnect} refused at connect, ` +
    `${flood.refusedAtLogin} refused at login, ${flood.passwordChecked} passwords checked, ${flood.failed} failed, ${flood.skipped} skipped`);
  if (rate < 0.9 * o.floodLogins) report.warnings.push(`the login flood reached ${rate}/s of the ${o.floodLogins}/s asked (${flood.skipped} skipped at the in-flight cap)`);
  report.result.flood = { from: o.floodFrom, asked_per_s: o.floodLogins, achieved_per_s: rate, ...flood };
  return report;
}
