#!/usr/bin/env node
// `pampero-loadtest` (package.json bin; `npm run loadtest -- …`): parse, then one of provision,
// compare, abuse or archive modes, or a single run with its reports. A hard deadline ends the process whatever happens.
import { CommanderError } from 'commander';
import { buildCommand } from './options.js';
import { parseOptions } from './parse-options.js';
import { runScenario } from './coordinator/run-scenario.js';
import { markdownReport } from './report/markdown-report.js';
import { defaultOutDir, writeReports } from './report/write-reports.js';
import { runCompare } from './servers/compare.js';
import { provisionAccounts } from './servers/provision.js';
import { compareMarkdown } from './report/compare-report.js';
import { usersNeeded } from './scenario-defaults.js';
import { abuseMarkdown, runAbuseModes } from './servers/abuse-modes.js';
import { archiveMarkdown, runArchiveModes } from './servers/archive-modes.js';
import { withLoginFlood } from './flood/login-flood.js';

const log = (line: string) => process.stderr.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help')) return 0;
    log(`pampero-loadtest: ${(err as Error).message}`);
    log('pampero-loadtest --help lists the options');
    return 2;
  }
  // the overall bound: the run's own deadline plus time to stop servers and write reports
  const hardStop = setTimeout(() => {
    log(`pampero-loadtest: hard deadline of ${options.deadlineS} s (+60 s) passed, exiting`);
    process.exit(3);
  }, (options.deadlineS * (options.compare.length + options.abuseModes.length + options.archiveModes.length * options.rounds + 1) + 60) * 1000);
  hardStop.unref();

  if (options.provision) {
    await provisionAccounts({
      server: options.provision, userFormat: options.target.userFormat, passwordFormat: options.target.passwordFormat,
      count: options.provisionCount ?? usersNeeded(options.scenario, options) + options.target.firstIndex - 1,
      roster: options.scenario === 'roster' ? 20 : 0, pamperoData: options.pamperoData,
      pamperoIterations: options.pamperoIterations, serverCpu: options.serverCpu, sasl: options.target.sasl,
    }, log);
    return 0;
  }
  const outDir = options.outDir ?? defaultOutDir();
  if (options.compare.length > 0) {
    const outcomes = await runCompare(options, outDir, log);
    process.stdout.write(compareMarkdown(outcomes, options));
    log(`reports in ${outDir} (compare.md, compare.html, <server>/report.html)`);
    return outcomes.every((x) => x.report) ? 0 : 1;
  }
  if (options.abuseModes.length > 0) {
    const outcomes = await runAbuseModes(options, outDir, log);
    process.stdout.write(abuseMarkdown(outcomes, options));
    log(`reports in ${outDir} (abuse.md, abuse-<mode>/report.html)`);
    return outcomes.every((x) => x.report) ? 0 : 1;
  }
  if (options.archiveModes.length > 0) {
    const outcomes = await runArchiveModes(options, outDir, log);
    process.stdout.write(archiveMarkdown(outcomes, options));
    log(`reports in ${outDir} (archive.md, archive-<mode>${options.rounds > 1 ? '-r<round>' : ''}/report.html)`);
    return outcomes.every((x) => x.report) ? 0 : 1;
  }
  const report = await withLoginFlood(options, log, () => runScenario(options, log));
  const files = await writeReports(report, outDir, options.jsonOut);
  process.stdout.write(markdownReport(report));
  log(`reports: ${files.markdown}  ${files.html}  ${files.json}`);
  return report.result.error ? 1 : 0;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  buildCommand().outputHelp();
  process.exit(0);
}
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    log(`pampero-loadtest: ${err.message}`);
    process.exit(1);
  },
);
