// `pampero roster import`: streams a JSON Lines file (docs/roster-import.md) into the stores.
// Lines are read one at a time and checked whole; checked users are written in batches, one
// batch after the other in file order, while the next batch is being read. Memory stays bounded:
// readline pauses the input after 1024 unread lines and at most MAX_BATCHES_IN_FLIGHT batches wait.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Stores } from '../shared/storage/types.js';
import { importBatch, type BatchOptions, type BatchOutcome } from './roster-import-batch.js';
import { parseImportLine, type ImportUser, type LineRules } from './roster-import-line.js';
import type { CredentialDeriver } from './roster-import-pool.js';

/** One batch being written while the next is read: enough to keep the disk and the workers busy. */
const MAX_BATCHES_IN_FLIGHT = 2;
export const DEFAULT_BATCH_SIZE = 2000;

export interface ImportOptions extends BatchOptions {
  rules: LineRules;
  batchSize: number;
  /** A refused line: its number (from 1) and why. */
  onBadLine(line: number, reason: string): void;
}

export interface ImportCounts {
  /** Lines read (blank ones included). */
  lines: number;
  /** Users that did not exist and now do. */
  imported: number;
  /** Existing users whose keys and roster were replaced (--replace). */
  replaced: number;
  /** Existing users left as they were (--skip-existing). */
  skipped: number;
  /** Lines refused: malformed, invalid, or an existing user without a policy for it. */
  bad: number;
  /** Roster items written. */
  items: number;
  /** Stopped at a bad line (--abort-on-error). */
  aborted: boolean;
}

export interface RosterImport {
  /** Counts so far (for progress reports while `done` is pending). */
  readonly counts: Readonly<ImportCounts>;
  done: Promise<ImportCounts>;
}

export function importRosters(input: Readable, stores: Stores, deriver: CredentialDeriver, opts: ImportOptions): RosterImport {
  const counts: ImportCounts = { lines: 0, imported: 0, replaced: 0, skipped: 0, bad: 0, items: 0, aborted: false };
  return { counts, done: run(input, stores, deriver, opts, counts) };
}

async function run(input: Readable, stores: Stores, deriver: CredentialDeriver, opts: ImportOptions, counts: ImportCounts): Promise<ImportCounts> {
  /** Set when a batch aborted or failed: later batches are not written, reading stops. */
  let halt = false;
  let failure: { error: unknown } | undefined;
  let chain: Promise<void> = Promise.resolve();
  const inFlight: Array<Promise<void>> = [];
  const refuse = (line: number, reason: string) => {
    counts.bad++;
    opts.onBadLine(line, reason);
  };
  const add = (outcome: BatchOutcome) => {
    counts.imported += outcome.imported;
    counts.replaced += outcome.replaced;
    counts.skipped += outcome.skipped;
    counts.items += outcome.items;
    for (const { line, reason } of outcome.refused) refuse(line, reason);
    if (outcome.aborted) counts.aborted = halt = true;
  };

  // Batches are written strictly in order, so a user listed twice ends as its later line says
  // (--replace) or its first (--skip-existing), as if the lines had been imported one by one.
  const flush = async (users: ImportUser[]) => {
    if (users.length === 0) return;
    chain = chain
      .then(async () => {
        if (!halt) add(await importBatch(stores, deriver, users, opts));
      })
      .catch((error: unknown) => {
        failure ??= { error };
        halt = true;
      });
    inFlight.push(chain);
    while (inFlight.length >= MAX_BATCHES_IN_FLIGHT) await inFlight.shift();
  };

  let batch: ImportUser[] = [];
  let inBatch = new Set<string>();
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      if (halt) break;
      const line = ++counts.lines;
      const json = line === 1 ? text.replace(/^\uFEFF/, '') : text;
      if (json.trim() === '') continue;
      const result = parseImportLine(json, line, opts.rules);
      if ('error' in result) {
        refuse(line, result.error);
        if (opts.abortOnError) {
          counts.aborted = true;
          break;
        }
        continue;
      }
      // the same user twice in one batch would be two concurrent writes of one account: split
      if (inBatch.has(result.user.jid) || batch.length >= opts.batchSize) {
        await flush(batch);
        batch = [];
        inBatch = new Set();
      }
      batch.push(result.user);
      inBatch.add(result.user.jid);
    }
    // with --abort-on-error the lines before the bad one are still imported
    await flush(batch);
    await chain;
  } finally {
    lines.close();
  }
  if (failure) throw failure.error;
  return counts;
}
