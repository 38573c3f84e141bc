// `pampero roster import FILE`: bulk-loads users and rosters from JSON Lines (docs/roster-import.md).
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SCRAM_ITERATIONS } from '../shared/auth/scram-keys.js';
import { positiveInteger } from './arguments.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, configFromOptions, type ConfigOptionValues } from './config-options.js';
import type { ExistingPolicy } from './roster-import-batch.js';
import { startDerivePool } from './roster-import-pool.js';
import { DEFAULT_BATCH_SIZE, importRosters, type ImportCounts } from './roster-import.js';
import { withStores } from './with-stores.js';

const PROGRESS_EVERY_MS = 1000;

interface ImportCommandOptions extends ConfigOptionValues {
  skipExisting?: boolean;
  replace?: boolean;
  abortOnError?: boolean;
  dryRun?: boolean;
  iterations: number;
  workers: number;
  batchSize: number;
  progress?: boolean;
}

export function rosterCommands(io: CliIo, stdin: Readable = process.stdin): Command {
  const roster = new Command('roster').description('bulk operations on rosters');

  addConfigOptions(
    roster
      .command('import')
      .description('create users with their rosters from a JSON Lines file (one user a line; "-" reads stdin)')
      .argument('<file>', 'JSON Lines file, or - for standard input'),
  )
    .addOption(new Option('--skip-existing', 'leave users that already exist as they are').conflicts('replace'))
    .option('--replace', "replace existing users' keys and rosters")
    .option('--abort-on-error', 'stop at the first bad line (the lines before it are imported)')
    .option('--dry-run', 'check every line and report, write nothing')
    .option('--iterations <n>', 'PBKDF2 iterations for passwords (RFC 7677: at least 4096)', positiveInteger, DEFAULT_SCRAM_ITERATIONS)
    .option('--workers <n>', 'key-derivation threads (0: none, derive on the main thread)', wholeNumber, availableParallelism())
    .option('--batch-size <n>', 'users written per batch', positiveInteger, DEFAULT_BATCH_SIZE)
    .option('--progress', 'report progress on stderr every second (default: only when stderr is a terminal)')
    .action(
      action(io, async (file: string, options: ImportCommandOptions) => {
        const config = configFromOptions(options);
        const input = file === '-' ? stdin : await openInput(file);
        try {
          const counts = await withStores(config, async (stores) => {
            const deriver = startDerivePool({ size: options.dryRun ? 0 : options.workers, iterations: options.iterations });
            const started = performance.now();
            const run = importRosters(input, stores, deriver, {
              rules: { domain: config.domain, maxItems: config.roster.maxItems },
              batchSize: options.batchSize,
              existing: policyOf(options),
              abortOnError: options.abortOnError === true,
              dryRun: options.dryRun === true,
              onBadLine: (line, reason) => io.err(`pampero: line ${line}: ${reason}`),
            });
            const showProgress = options.progress || process.stderr.isTTY;
            const ticker = showProgress ? setInterval(() => io.err(progressLine(run.counts, performance.now() - started)), PROGRESS_EVERY_MS) : undefined;
            try {
              const done = await run.done;
              io.out(summaryLine(done, performance.now() - started, options.dryRun === true));
              return done;
            } finally {
              clearInterval(ticker);
              await deriver.close();
            }
          });
          if (counts.aborted) throw new CliError(`stopped at a bad line (--abort-on-error); the users before it are imported`);
          if (counts.bad > 0) throw new CliError(`${counts.bad} bad ${counts.bad === 1 ? 'line was' : 'lines were'} not imported (see above)`);
        } finally {
          input.destroy();
        }
      }),
    );

  return roster;
}

function policyOf(options: ImportCommandOptions): ExistingPolicy {
  if (options.replace) return 'replace';
  return options.skipExisting ? 'skip' : 'fail';
}

/** Opened before the stores, so a wrong path fails at once with one clear line. */
async function openInput(file: string): Promise<Readable> {
  try {
    return (await open(file, 'r')).createReadStream();
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('must be a whole number');
  return Number(text);
}

const users = (counts: ImportCounts) => counts.imported + counts.replaced + counts.skipped;
const perSecond = (n: number, ms: number) => Math.round(n / Math.max(ms / 1000, 0.001));
const n = (value: number) => value.toLocaleString('en-US');

export function progressLine(counts: ImportCounts, elapsedMs: number): string {
  return (
    `roster import: ${n(counts.lines)} lines, ${n(users(counts))} users (${n(perSecond(users(counts), elapsedMs))}/s), ` +
    `${n(counts.items)} items, ${n(counts.bad)} bad, ${(elapsedMs / 1000).toFixed(0)} s`
  );
}

export function summaryLine(counts: ImportCounts, elapsedMs: number, dryRun: boolean): string {
  const verb = dryRun ? 'checked, would import' : 'imported';
  return (
    `${verb} ${counts.imported} users, replaced ${counts.replaced}, skipped ${counts.skipped} existing, ` +
    `${counts.items} roster items, ${counts.bad} bad lines, ${counts.lines} lines in ${(elapsedMs / 1000).toFixed(1)} s ` +
    `(${perSecond(users(counts), elapsedMs)} users/s, ${perSecond(counts.items, elapsedMs)} items/s)`
  );
}
