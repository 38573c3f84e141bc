// `pampero roster import` run in-process as an operator would type it (key derivation on the
// main thread: --workers 0; the worker pool has its own test).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deriveCredentials, verifyPassword } from '../shared/auth/scram.js';
import { openStores } from '../shared/storage/open.js';
import type { Stores } from '../shared/storage/types.js';
import type { CliIo } from './cli-error.js';
import { buildProgram } from './program.js';
import { rosterCommands } from './roster-commands.js';
import { writeRing } from '../loadtest/generate-rosters.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pampero-roster-import-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string[];
  err: string[];
}

function captured(): { io: CliIo; run: Run } {
  const run: Run = { code: 0, out: [], err: [] };
  const io: CliIo = { out: (l) => run.out.push(l), err: (l) => run.err.push(l), setExitCode: (c) => (run.code = c) };
  return { io, run };
}

/** `pampero roster import FILE --data-dir … --domain example.org --workers 0 …args`, PAMPERO_* left out. */
async function importFile(lines: string[], ...args: string[]): Promise<Run> {
  const file = join(dataDir, 'users.jsonl');
  await writeFile(file, lines.join('\n'));
  return await pampero('roster', 'import', file, '--data-dir', dataDir, '--domain', 'example.org', '--workers', '0', ...args);
}

async function pampero(...args: string[]): Promise<Run> {
  const { io, run } = captured();
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('PAMPERO_')) delete process.env[name];
  try {
    await buildProgram(io).parseAsync(['node', 'pampero', ...args]);
  } finally {
    Object.assign(process.env, saved);
  }
  return run;
}

async function withData<T>(use: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openStores({ dataDir });
  try {
    return await use(stores);
  } finally {
    await stores.close();
  }
}

const user = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ user: name, password: `${name}-pw`, ...extra });
const contact = (jid: string, extra: Record<string, unknown> = {}) => ({ jid, subscription: 'both', ...extra });

test('imports users and rosters so that the account can log in and the roster reads back', async () => {
  const lines = [
    user('Alice', { roster: [contact('bob@example.org', { name: 'Bob', groups: ['Friends'] }), { jid: 'carol@elsewhere.net', ask: 'subscribe' }], pendingIn: [{ jid: 'dave@example.org', status: 'hi' }] }),
    JSON.stringify({ jid: 'bob@example.org', password: 'bob-pw', roster: [contact('alice@example.org')] }),
  ];
  const run = await importFile(lines);
  expect(run.err).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.out[0]).toMatch(/^imported 2 users, replaced 0, skipped 0 existing, 3 roster items, 0 bad lines, 2 lines in /);
  await withData(async (stores) => {
    const alice = await stores.accounts.get('alice@example.org');
    expect(alice && verifyPassword(alice.credentials['SCRAM-SHA-256'], 'SCRAM-SHA-256', 'Alice-pw')).toBe(true);
    expect(alice && verifyPassword(alice.credentials['SCRAM-SHA-1'], 'SCRAM-SHA-1', 'Alice-pw')).toBe(true);
    expect(alice?.credentials['SCRAM-SHA-256'].iterations).toBe(4096);
    expect(await stores.rosters.get('alice@example.org')).toEqual({
      version: 1,
      items: [
        { jid: 'bob@example.org', name: 'Bob', subscription: 'both', groups: ['Friends'] },
        { jid: 'carol@elsewhere.net', subscription: 'none', ask: 'subscribe', groups: [] },
      ],
      pendingIn: [{ jid: 'dave@example.org', status: 'hi' }],
    });
    expect((await stores.rosters.get('bob@example.org')).items).toEqual([{ jid: 'alice@example.org', subscription: 'both', groups: [] }]);
  });
});

test('a bad JSON line is reported with its number and skipped; the others are imported', async () => {
  const run = await importFile([user('alice'), '{"user": "bob", ', '', user('carol')], '--iterations', '1');
  expect(run.err[0]).toMatch(/^pampero: line 2: not valid JSON \(/);
  expect(run.err.at(-1)).toBe('pampero: 1 bad line was not imported (see above)');
  expect(run.code).toBe(1);
  expect(run.out[0]).toMatch(/^imported 2 users, .* 1 bad lines, 4 lines in/);
  await withData(async (stores) => expect(await stores.accounts.list()).toEqual(['alice@example.org', 'carol@example.org']));
});

test('abort-on-error stops before writing the bad user; the lines before it are imported', async () => {
  const bad = user('bob', { roster: [contact('alice@example.org', { subscription: 'mutual' })] });
  const run = await importFile([user('alice'), bad, user('carol')], '--abort-on-error', '--iterations', '1');
  expect(run.err[0]).toBe('pampero: line 2: roster[0].subscription must be one of none, to, from, both');
  expect(run.code).toBe(1);
  await withData(async (stores) => {
    expect(await stores.accounts.list()).toEqual(['alice@example.org']);
    expect((await stores.rosters.get('bob@example.org')).version).toBe(0);
  });
});

test('pre-derived credentials are accepted and stored as given', async () => {
  const credentials = deriveCredentials('migrated-secret', 4096);
  const run = await importFile([JSON.stringify({ user: 'alice', credentials })]);
  expect(run.code).toBe(0);
  await withData(async (stores) => {
    const alice = await stores.accounts.get('alice@example.org');
    expect(alice?.credentials).toEqual(credentials);
    expect(alice && verifyPassword(alice.credentials['SCRAM-SHA-256'], 'SCRAM-SHA-256', 'migrated-secret')).toBe(true);
  });
});

test('re-running the same import is idempotent with --skip-existing; without it existing users are refused', async () => {
  const lines = [user('alice', { roster: [contact('bob@example.org')] }), user('bob', { roster: [contact('alice@example.org')] })];
  expect((await importFile(lines, '--iterations', '1')).code).toBe(0);
  const before = await withData(async (stores) => [await stores.accounts.get('alice@example.org'), await stores.rosters.get('alice@example.org')]);

  const again = await importFile(lines, '--iterations', '1', '--skip-existing');
  expect(again.code).toBe(0);
  expect(again.out[0]).toMatch(/^imported 0 users, replaced 0, skipped 2 existing, 0 roster items, 0 bad lines/);
  const after = await withData(async (stores) => [await stores.accounts.get('alice@example.org'), await stores.rosters.get('alice@example.org')]);
  expect(after).toEqual(before);

  const refused = await importFile(lines, '--iterations', '1');
  expect(refused.err[0]).toBe('pampero: line 1: alice@example.org already exists (use --skip-existing or --replace)');
  expect(refused.code).toBe(1);
});

test('an import interrupted between rosters and accounts is completed by re-running it with --skip-existing', async () => {
  // what a crash after a batch's rosters were committed, before its accounts, leaves behind
  await withData(async (stores) => {
    await stores.accounts.create('alice@example.org', deriveCredentials('alice-pw', 1));
    await stores.rosters.putMany([{ owner: 'bob@example.org', roster: { version: 0, items: [], pendingIn: [] } }]);
  });
  const run = await importFile([user('alice'), user('bob', { roster: [contact('alice@example.org')] })], '--iterations', '1', '--skip-existing');
  expect(run.out[0]).toMatch(/^imported 1 users, replaced 0, skipped 1 existing, 1 roster items/);
  await withData(async (stores) => {
    expect(await stores.accounts.get('bob@example.org')).toBeDefined();
    expect((await stores.rosters.get('bob@example.org')).items.map((item) => item.jid)).toEqual(['alice@example.org']);
  });
});

test('--replace gives existing users the new keys and roster, with a higher roster version', async () => {
  await importFile([user('alice', { roster: [contact('bob@example.org')] })], '--iterations', '1');
  const run = await importFile([JSON.stringify({ user: 'alice', password: 'new-pw', roster: [contact('carol@example.org')] })], '--iterations', '1', '--replace');
  expect(run.out[0]).toMatch(/^imported 0 users, replaced 1, skipped 0 existing, 1 roster items/);
  await withData(async (stores) => {
    const alice = await stores.accounts.get('alice@example.org');
    expect(alice && verifyPassword(alice.credentials['SCRAM-SHA-1'], 'SCRAM-SHA-1', 'new-pw')).toBe(true);
    const roster = await stores.rosters.get('alice@example.org');
    expect(roster.items.map((item) => item.jid)).toEqual(['carol@example.org']);
    expect(roster.version).toBe(2);
  });
});

test('a roster over roster.maxItems is rejected', async () => {
  const config = join(dataDir, 'pampero.json');
  await writeFile(config, JSON.stringify({ roster: { maxItems: 2 } }));
  const items = ['a', 'b', 'c'].map((name) => contact(`${name}@example.org`));
  const run = await importFile([user('alice', { roster: items }), user('bob', { roster: items.slice(0, 2) })], '--iterations', '1', '--config', config);
  expect(run.err[0]).toBe('pampero: line 1: "roster" has 3 entries, more than roster.maxItems (2)');
  await withData(async (stores) => expect(await stores.accounts.list()).toEqual(['bob@example.org']));
});

test('the same user twice in a file ends as its first line says with --skip-existing', async () => {
  const run = await importFile([user('alice'), JSON.stringify({ user: 'alice', password: 'second' })], '--iterations', '1', '--skip-existing');
  expect(run.out[0]).toMatch(/^imported 1 users, replaced 0, skipped 1 existing/);
  await withData(async (stores) => {
    const alice = await stores.accounts.get('alice@example.org');
    expect(alice && verifyPassword(alice.credentials['SCRAM-SHA-1'], 'SCRAM-SHA-1', 'alice-pw')).toBe(true);
  });
});

test('--dry-run checks every line and writes nothing', async () => {
  const run = await importFile([user('alice'), '[]'], '--dry-run');
  expect(run.err[0]).toBe('pampero: line 2: the line must be a JSON object');
  expect(run.out[0]).toMatch(/^checked, would import 1 users/);
  await withData(async (stores) => expect(await stores.accounts.list()).toEqual([]));
});

test('a missing file fails with one line, before anything is opened', async () => {
  const run = await pampero('roster', 'import', join(dataDir, 'none.jsonl'), '--data-dir', dataDir);
  expect(run.err).toEqual([`pampero: cannot read ${join(dataDir, 'none.jsonl')}: ENOENT`]);
  expect(run.code).toBe(1);
});

test('"-" reads the users from standard input', async () => {
  const { io, run } = captured();
  const stdin = Readable.from([`${user('alice')}\n`, `${user('bob')}\n`]);
  await rosterCommands(io, stdin).parseAsync(['node', 'roster', 'import', '-', '--data-dir', dataDir, '--domain', 'example.org', '--workers', '0', '--iterations', '1']);
  expect(run.code).toBe(0);
  await withData(async (stores) => expect(await stores.accounts.list()).toEqual(['alice@example.org', 'bob@example.org']));
});

test('generator output round-trips through the importer', async () => {
  const file = join(dataDir, 'ring.jsonl');
  const out = createWriteStream(file);
  await writeRing({ count: 30, first: 1, userFmt: 'big%d', passwordFmt: 'pass%d', contacts: 6, domain: 'bench.local' }, out);
  out.end();
  await once(out, 'finish');
  const run = await pampero('roster', 'import', file, '--data-dir', dataDir, '--domain', 'bench.local', '--workers', '0', '--iterations', '1', '--batch-size', '7');
  expect(run.out[0]).toMatch(/^imported 30 users, replaced 0, skipped 0 existing, 180 roster items, 0 bad lines, 30 lines/);
  await withData(async (stores) => {
    const roster = await stores.rosters.get('big1@bench.local');
    expect(roster.items.map((item) => item.jid)).toEqual(['big28', 'big29', 'big30', 'big2', 'big3', 'big4'].map((name) => `${name}@bench.local`));
    expect(roster.items[0]).toEqual({ jid: 'big28@bench.local', name: 'big28', subscription: 'both', groups: [] });
    const big17 = await stores.accounts.get('big17@bench.local');
    expect(big17 && verifyPassword(big17.credentials['SCRAM-SHA-256'], 'SCRAM-SHA-256', 'pass17')).toBe(true);
  });
});
