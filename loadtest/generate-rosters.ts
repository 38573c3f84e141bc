// Writes a synthetic `pampero roster import` file (JSON Lines, docs/roster-import.md): N users in
// the symmetric ring of the S3 scenario (loadtest/compare.sh, anchors/prosody-provision.py): user i
// has i-C/2 … i-1 and i+1 … i+C/2 (modulo the population), subscription both, named after the
// contact. Streamed, with backpressure, so any N fits in memory.
//
//   node dist/loadtest/generate-rosters.js --count N [--first 1] [--user-fmt big%d]
//        [--password-fmt pass%d] [--contacts 20] [--domain bench.local] [--out FILE]
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';

const USAGE = `usage: node dist/loadtest/generate-rosters.js --count N [--first 1] [--user-fmt big%d]
         [--password-fmt pass%d] [--contacts 20] [--domain bench.local] [--out FILE (default stdout)]`;

export interface RingOptions {
  count: number;
  first: number;
  userFmt: string;
  passwordFmt: string;
  contacts: number;
  domain: string;
}

const fmt = (pattern: string, n: number): string => pattern.replace(/%d/g, String(n));

/** The JSON lines (without newline) of the ring, user `first` … `first + count - 1`. */
export function* ringLines(o: RingOptions): Generator<string> {
  const half = o.contacts / 2;
  for (let k = 0; k < o.count; k++) {
    const roster: Array<{ jid: string; name: string; subscription: 'both' }> = [];
    for (let d = -half; d <= half; d++) {
      if (d === 0) continue;
      const name = fmt(o.userFmt, o.first + ((k + d + o.count) % o.count));
      roster.push({ jid: `${name}@${o.domain}`, name, subscription: 'both' });
    }
    const user = fmt(o.userFmt, o.first + k);
    yield JSON.stringify({ jid: `${user}@${o.domain}`, password: fmt(o.passwordFmt, o.first + k), roster });
  }
}

/** Writes the lines in chunks, waiting whenever the stream's buffer is full. */
export async function writeRing(o: RingOptions, out: Writable): Promise<void> {
  const CHUNK_LINES = 500;
  let chunk: string[] = [];
  for (const line of ringLines(o)) {
    chunk.push(line);
    if (chunk.length < CHUNK_LINES) continue;
    if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
    chunk = [];
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
}

function wholeNumber(value: string | undefined, name: string, dflt: number | undefined, min: number): number {
  if (value === undefined) {
    if (dflt === undefined) throw new Error(`--${name} is required`);
    return dflt;
  }
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${name} must be a whole number >= ${min}, got '${value}'`);
  return Number(value);
}

export function parseRingArgs(argv: string[]): RingOptions & { out?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      first: { type: 'string' },
      'user-fmt': { type: 'string', default: 'big%d' },
      'password-fmt': { type: 'string', default: 'pass%d' },
      contacts: { type: 'string' },
      domain: { type: 'string', default: 'bench.local' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const userFmt = values['user-fmt']!;
  if (!userFmt.includes('%d')) throw new Error('--user-fmt must contain %d');
  const count = wholeNumber(values.count, 'count', undefined, 1);
  const contacts = wholeNumber(values.contacts, 'contacts', 20, 0);
  if (contacts % 2 !== 0) throw new Error('--contacts must be even');
  if (contacts >= count) throw new Error('--contacts must be smaller than --count');
  return {
    count,
    first: wholeNumber(values.first, 'first', 1, 0),
    userFmt,
    passwordFmt: values['password-fmt']!,
    contacts,
    domain: values.domain!.toLowerCase(),
    out: values.out,
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return console.log(USAGE);
  let o: ReturnType<typeof parseRingArgs>;
  try {
    o = parseRingArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`generate-rosters: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const out = o.out ? createWriteStream(o.out) : process.stdout;
  await writeRing(o, out);
  if (o.out) {
    out.end();
    await once(out, 'finish');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error('generate-rosters failed:', err);
    process.exit(1);
  });
}
