// --compare: the same scenario, the same generator, against Pampero and then each reference
// server, one after the other, each freshly started and pinned like compare.sh does (server on
// --server-cpu, generator on --generator-cpu); then a table of the headline figures with ratios.
import { join } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { runScenario, type RunReport } from '../coordinator/run-scenario.js';
import { writeReports } from '../report/write-reports.js';
import { compareMarkdown, compareHtml } from '../report/compare-report.js';
import { BENCH_DOMAIN, ENDPOINTS } from './bench-layout.js';
import { provisionAccounts, REFERENCE_SCRAM_ITERATIONS } from './provision.js';
import { startServer } from './server-control.js';
import { usersNeeded } from '../scenario-defaults.js';
import type { LoadtestOptions, ServerName } from '../options.js';
import { sleep } from '../timeouts.js';

export interface CompareOutcome {
  server: ServerName;
  report: RunReport | null;
  skipped?: string;
}

/** The run's options aimed at one of the bench servers. */
export function optionsFor(server: ServerName, o: LoadtestOptions, pids: number[]): LoadtestOptions | string {
  const e = ENDPOINTS[server];
  if (o.target.transport === 'websocket' && !e.websocketUrl) return `${server} has no WebSocket endpoint`;
  if (o.target.transport === 'bosh' && !e.boshUrl) return `${server} has no BOSH endpoint`;
  return {
    ...o,
    target: { ...o.target, host: '127.0.0.1', port: e.c2sPort, domain: BENCH_DOMAIN, websocketUrl: e.websocketUrl ?? '', boshUrl: e.boshUrl ?? '' },
    mucHost: `conference.${BENCH_DOMAIN}`, pubsubHost: `pubsub.${BENCH_DOMAIN}`,
    serverPids: pids, metricsUrl: e.metricsUrl ?? undefined, label: `${server} ${o.scenario}${o.label ? ' ' + o.label : ''}`,
    generatorCpu: o.generatorCpu ?? 1,
  };
}

export async function runCompare(o: LoadtestOptions, outDir: string, log: (line: string) => void): Promise<CompareOutcome[]> {
  if (process.getuid?.() !== 0) throw new Error('--compare needs root (the reference servers run via setpriv as their users)');
  if (o.target.sasl === 'scram-sha-1' && o.pamperoIterations !== REFERENCE_SCRAM_ITERATIONS) {
    log(`note: Pampero's accounts have ${o.pamperoIterations} SCRAM iterations, the references' ${REFERENCE_SCRAM_ITERATIONS}`);
  }
  const outcomes: CompareOutcome[] = [];
  for (const server of ['pampero', ...o.compare] as ServerName[]) {
    const aimed = optionsFor(server, o, []);
    if (typeof aimed === 'string') {
      log(`=== ${server}: skipped (${aimed})`);
      outcomes.push({ server, report: null, skipped: aimed });
      continue;
    }
    log(`=== ${server}`);
    await provisionAccounts({
      server, userFormat: o.target.userFormat, passwordFormat: o.target.passwordFormat, count: o.provisionCount ?? usersNeeded(o.scenario, o) + o.target.firstIndex - 1,
      roster: o.scenario === 'roster' ? 20 : 0, pamperoData: o.pamperoData, pamperoIterations: o.pamperoIterations, serverCpu: o.serverCpu, sasl: o.target.sasl,
    }, log);
    const running = await startServer(server, { ...o, sasl: o.target.sasl });
    log(`${server} up, pid(s) ${running.pids.join(' ')}`);
    try {
      await sleep(1000);
      const report = await runScenario({ ...(optionsFor(server, o, running.pids) as LoadtestOptions) }, log);
      const files = await writeReports(report, join(outDir, server), o.jsonOut);
      log(`${server}: ${files.markdown}`);
      outcomes.push({ server, report });
    } catch (err) {
      log(`${server}: failed: ${(err as Error).message}`);
      outcomes.push({ server, report: null, skipped: (err as Error).message });
    } finally {
      await running.stop();
    }
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'compare.md'), compareMarkdown(outcomes, o));
  await writeFile(join(outDir, 'compare.html'), compareHtml(outcomes, o));
  return outcomes;
}
