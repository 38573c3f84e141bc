#!/usr/bin/env node
// The fault scenario of issue 11: runs the chosen faults one at a time around a steady A↔B chat
// and prints one table (docs/loadtest.md, "Fault injection").
//
//   npm run build && node dist/loadtest/faults/cli.js --faults all --size full
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parsePinning, pinFaultRun } from './cpu-pinning.js';
import type { Fault, FaultSize } from './fault.js';
import { faultTable, runFault, type FaultReport } from './run-fault.js';
import { rerunWithNodeFlags } from '../shared/node-flags-reexec.js';
import { v8ThreadsState } from '../../cli/node-flags.js';

/** Every fault, in the order of issue 11's list; each lives in ./<name>.ts as `export const fault`. */
export const FAULTS = ['storage-slow', 'storage-dead', 'redis-slow', 'redis-down', 'component-stuck', 'slow-readers', 'login-storm', 'node-frozen'] as const;
/** Runs like a fault with nothing injected: what the measurement itself varies by ("all" runs it first). */
export const CONTROL = 'no-fault';

const HELP = `pampero fault scenario: a steady chat between two users while one fault at a time is injected

  node dist/loadtest/faults/cli.js [--faults LIST|all] [--size ci|full] [--rate N] [--baseline S] [--fault-seconds S] [--pin S:G [--helpers-on generators|server]] [--out FILE]

  --faults          comma-separated, from: ${CONTROL}, ${FAULTS.join(', ')}
                    (default: all: ${CONTROL} first, the same run with nothing injected, which is
                    the measurement's own variation to read the faults' ratios against; then every fault)
  --size            ci: the CI-sized fault; full: issue 11's sizes (1,000 stuck clients, 2,000 logins/s…) (default: full)
  --rate            chat messages per second each way (default 20)
  --baseline        seconds of chat before the fault (default: as long as the fault)
  --fault-seconds   seconds the fault stays on (default 20 full, 4 ci)
  --pin             taskset CPU lists: this process (server, chat, probes) on S, the load generators
                    (slow readers, flooder, login storm) on G, e.g. 0:1, both at nice -10 when root
                    (as loadtest/compare.sh; default: not pinned)
  --helpers-on      with --pin: where V8's helper threads (GC, compilation) run: generators
                    (default: beside the event loop, as on a multi-core server) or server (in
                    turns with the event loop on its one core)
  --out             also write the Markdown table (and the JSON reports beside it, FILE.json)

This process runs the server under test, so it restarts itself with Pampero's V8 flags
(cli/node-flags.ts) and the pampero executable's first step (V8's startup threads under
SCHED_BATCH, PAMPERO_HELPER_THREADS=normal leaves them; docs/configuration.md) when started
without them.
Output: per fault, A↔B p99 before and during the fault, acknowledged messages lost, what the
probes of the faulty part got (error and time), memory before/peak/bound, and the time to recover.
Redis and fleet faults need redis-server (Debian package redis-server).
`;

async function main(): Promise<number> {
  // The server under test runs in this process: with production's V8 flags, as `pampero start`.
  const rerun = rerunWithNodeFlags();
  if (rerun) return rerun;
  const { values } = parseArgs({
    options: {
      faults: { type: 'string', default: 'all' },
      size: { type: 'string', default: 'full' },
      rate: { type: 'string' },
      baseline: { type: 'string' },
      'fault-seconds': { type: 'string' },
      out: { type: 'string' },
      pin: { type: 'string' },
      'helpers-on': { type: 'string', default: 'generators' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // "all" starts with the control, so every full report shows the measurement's own variation.
  const names = values.faults === 'all' ? [CONTROL, ...FAULTS] : values.faults!.split(',').map((x) => x.trim());
  const unknown = names.filter((n) => n !== CONTROL && !(FAULTS as readonly string[]).includes(n));
  if (unknown.length > 0 || (values.size !== 'ci' && values.size !== 'full')) {
    process.stderr.write(`faults: unknown ${unknown.length ? `fault(s) ${unknown.join(', ')}` : `size ${values.size}`}; --help lists them\n`);
    return 2;
  }
  if (values.pin !== undefined) {
    const pinning = parsePinning(values.pin);
    if (!pinning) {
      process.stderr.write(`faults: --pin wants SERVER_CPUS:GENERATOR_CPUS (e.g. 0:1), not ${values.pin}\n`);
      return 2;
    }
    const helpersOn = values['helpers-on'];
    if (helpersOn !== 'generators' && helpersOn !== 'server') {
      process.stderr.write(`faults: --helpers-on wants generators or server, not ${helpersOn}\n`);
      return 2;
    }
    const { raised, helpersMoved } = await pinFaultRun(pinning, helpersOn);
    const helpers = helpersMoved > 0 ? `, V8's helper threads (${helpersMoved}) with the generators` : '';
    process.stderr.write(`faults: this process on CPU ${pinning.server}, load generators on CPU ${pinning.generators}${helpers}${raised ? ', both at nice -10' : ''}\n`);
  }
  const v8 = v8ThreadsState();
  process.stderr.write(`faults: V8's startup threads ${v8?.policy === 'SCHED_BATCH' ? `under SCHED_BATCH (${v8.threads})` : `unchanged (${v8?.reason ?? 'no preload: not built'})`}\n`);
  const reports: FaultReport[] = [];
  let failed = 0;
  for (const name of names) {
    const { fault } = (await import(`./${name}.js`)) as { fault: Fault };
    try {
      reports.push(await runFault(fault, {
        size: values.size as FaultSize,
        ratePerSecond: values.rate ? Number(values.rate) : undefined,
        baselineMs: values.baseline ? Number(values.baseline) * 1000 : undefined,
        faultMs: values['fault-seconds'] ? Number(values['fault-seconds']) * 1000 : undefined,
        log: (line) => process.stderr.write(line + '\n'),
      }));
    } catch (err) {
      failed++;
      process.stderr.write(`${name}: the run failed: ${(err as Error).stack ?? err}\n`);
    }
  }
  const table = faultTable(reports);
  process.stdout.write(`\nfaults (${values.size}, ${new Date().toISOString()})\n\n${table}`);
  if (values.out) {
    await writeFile(values.out, table);
    await writeFile(`${values.out}.json`, JSON.stringify(reports, null, 2));
  }
  return failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`faults: ${(err as Error).message}\n`);
  process.exit(1);
});
