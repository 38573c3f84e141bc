// Bulk-provisions benchmark accounts (and optionally rosters) straight into Pampero's stores,
// the way loadtest/anchors/prosody-provision.py writes Prosody's files: no server, no XMPP.
// Run it while the server is stopped (it opens the same data directory).
//
//   node dist/loadtest/provision-pampero.js --data-dir DIR --domain D \
//        --user-fmt load%d --password pass%d --count N [--first 1] [--iterations 4096] [--roster 0]
//
// Accounts that already exist are skipped (their credentials are not touched), so it can be
// run again to extend a population.  Passwords are stored as SCRAM keys only (deriveCredentials),
// so a PLAIN login costs the server one PBKDF2 with `--iterations`: the reference servers in
// loadtest/anchors store clear text and pay none (see docs/benchmarks.md).
// --roster R (even) also writes every user's roster, replacing what was there: user i gets
// i-R/2 … i-1 and i+1 … i+R/2 (modulo the population) with subscription both, the S3 data set of
// the anchors (prosody-provision.py / ejabberd_bulk.erl).
import { parseArgs } from 'node:util';
import { openStores } from '../shared/storage/open.js';
import { deriveCredentials } from '../shared/auth/scram.js';
import type { Roster, Stores } from '../shared/storage/types.js';

const USAGE = `usage: node dist/loadtest/provision-pampero.js --data-dir DIR --domain DOMAIN
         --user-fmt load%d --password pass%d --count N [--first 1] [--iterations 4096] [--roster 0]`;

interface Options {
  dataDir: string;
  domain: string;
  userFmt: string;
  password: string;
  count: number;
  first: number;
  iterations: number;
  roster: number;
}

function intOpt(v: string | undefined, name: string, dflt: number | undefined, min: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new Error(`--${name} is required`);
    return dflt;
  }
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`--${name} must be an integer >= ${min}, got '${v}'`);
  return Number(v);
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      domain: { type: 'string' },
      'user-fmt': { type: 'string', default: 'load%d' },
      password: { type: 'string', default: 'pass%d' },
      count: { type: 'string' },
      first: { type: 'string' },
      iterations: { type: 'string' },
      roster: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values['data-dir']) throw new Error('--data-dir is required');
  if (!values.domain) throw new Error('--domain is required');
  const userFmt = values['user-fmt'] ?? 'load%d';
  if (!userFmt.includes('%d')) throw new Error('--user-fmt must contain %d');
  const roster = intOpt(values.roster, 'roster', 0, 0);
  if (roster % 2 !== 0) throw new Error('--roster must be even');
  const count = intOpt(values.count, 'count', undefined, 1);
  if (roster >= count) throw new Error('--roster must be smaller than --count');
  return {
    dataDir: values['data-dir'],
    domain: values.domain.toLowerCase(),
    userFmt,
    password: values.password ?? 'pass%d',
    count,
    first: intOpt(values.first, 'first', 1, 0),
    iterations: intOpt(values.iterations, 'iterations', 4096, 1),
    roster,
  };
}

const fmt = (pattern: string, n: number): string => pattern.replace(/%d/g, String(n));

/** Opens the stores of the data directory (the same call as `pampero` itself: cli/with-stores.ts). */
async function open(o: Options): Promise<Stores> {
  return await openStores({ dataDir: o.dataDir });
}

const CHUNK = 200;

async function provisionAccounts(stores: Stores, o: Options): Promise<{ created: number; skipped: number }> {
  let created = 0;
  let skipped = 0;
  const t0 = performance.now();
  let lastReport = t0;
  for (let start = 0; start < o.count; start += CHUNK) {
    const ns: number[] = [];
    for (let k = start; k < Math.min(o.count, start + CHUNK); k++) ns.push(o.first + k);
    const jids = ns.map((n) => `${fmt(o.userFmt, n)}@${o.domain}`.toLowerCase());
    const existing = await Promise.all(jids.map((j) => stores.accounts.get(j)));
    const writes: Array<Promise<boolean>> = [];
    for (let k = 0; k < ns.length; k++) {
      if (existing[k]) {
        skipped++;
        continue;
      }
      const pw = o.password.includes('%d') ? fmt(o.password, ns[k]!) : o.password;
      // the KDF (2 × PBKDF2) dominates; writes of a chunk go out together
      writes.push(stores.accounts.create(jids[k]!, deriveCredentials(pw, o.iterations)));
    }
    for (const ok of await Promise.all(writes)) {
      if (ok) created++;
      else skipped++; // created meanwhile by someone else: left as it is
    }
    const now = performance.now();
    const done = Math.min(o.count, start + CHUNK);
    if (now - lastReport > 2000 || done === o.count) {
      lastReport = now;
      const s = (now - t0) / 1000;
      console.log(
        `accounts ${done}/${o.count} (created ${created}, skipped ${skipped}) ${s.toFixed(1)} s, ` +
          `${(done / s).toFixed(0)}/s`,
      );
    }
  }
  return { created, skipped };
}

async function provisionRosters(stores: Stores, o: Options): Promise<number> {
  const half = o.roster / 2;
  const deltas: number[] = [];
  for (let d = -half; d <= half; d++) if (d !== 0) deltas.push(d);
  const t0 = performance.now();
  let lastReport = t0;
  let items = 0;
  const BATCH = 1000;
  for (let start = 0; start < o.count; start += BATCH) {
    const entries: Array<{ owner: string; roster: Roster }> = [];
    for (let i = start; i < Math.min(o.count, start + BATCH); i++) {
      const owner = `${fmt(o.userFmt, o.first + i)}@${o.domain}`.toLowerCase();
      const roster: Roster = { version: 1, items: [], pendingIn: [] };
      for (const d of deltas) {
        const name = fmt(o.userFmt, o.first + ((i + d + o.count) % o.count));
        roster.items.push({ jid: `${name}@${o.domain}`.toLowerCase(), name, subscription: 'both', groups: [] });
      }
      items += roster.items.length;
      entries.push({ owner, roster });
    }
    await stores.rosters.putMany(entries);
    const now = performance.now();
    const done = Math.min(o.count, start + BATCH);
    if (now - lastReport > 2000 || done === o.count) {
      lastReport = now;
      console.log(`rosters ${done}/${o.count} (${items} items) ${((now - t0) / 1000).toFixed(1)} s`);
    }
  }
  return items;
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`provision-pampero: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const t0 = performance.now();
  const stores = await open(o);
  try {
    console.log(
      `provisioning ${o.count} users ${fmt(o.userFmt, o.first)}..${fmt(o.userFmt, o.first + o.count - 1)}@${o.domain} ` +
        `in ${o.dataDir} (SCRAM iterations ${o.iterations}${o.roster ? `, roster ${o.roster}` : ''})`,
    );
    const acc = await provisionAccounts(stores, o);
    const items = o.roster ? await provisionRosters(stores, o) : 0;
    console.log(
      `provisioned ${o.count} users (created ${acc.created}, skipped ${acc.skipped}; ${items} roster items) ` +
        `in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
  } finally {
    await stores.close();
  }
}

main().catch((e: unknown) => {
  console.error('provision-pampero failed:', e);
  process.exit(1);
});
