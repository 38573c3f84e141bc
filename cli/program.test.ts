// The command tree run in-process, as an operator would type it, with output captured.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from './cli-error.js';
import { buildProgram } from './program.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pampero-cli-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function throwInsteadOfExit(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) throwInsteadOfExit(sub);
}

/** Runs `pampero ...args`; the environment is left out so the test machine's PAMPERO_* cannot leak in. */
async function pampero(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), setExitCode: (c) => (code = c) };
  const program = buildProgram(io);
  throwInsteadOfExit(program);
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('PAMPERO_')) delete process.env[name];
  try {
    await program.parseAsync(['node', 'pampero', ...args]);
  } catch (thrown) {
    code = (thrown as { exitCode?: number }).exitCode ?? 1;
  } finally {
    Object.assign(process.env, saved);
  }
  return { code, out, err };
}

test('user add, list, passwd and del through the command line', async () => {
  const data = ['--data-dir', dataDir];
  expect(await pampero('user', 'add', 'Alice', '--password', 'pw', ...data)).toEqual({ code: 0, out: ['added alice@localhost'], err: [] });
  expect(await pampero('user', 'add', 'bob@localhost', '--password', 'pw', ...data)).toMatchObject({ code: 0 });
  expect(await pampero('user', 'list', ...data)).toEqual({ code: 0, out: ['alice@localhost', 'bob@localhost'], err: [] });
  expect((await pampero('user', 'list', '--limit', '1', ...data)).out).toEqual(['alice@localhost']);
  expect(await pampero('user', 'passwd', 'alice', '--password', 'new', ...data)).toMatchObject({ code: 0 });
  expect(await pampero('user', 'del', 'alice', ...data)).toEqual({ code: 0, out: ['deleted alice@localhost'], err: [] });
  expect(await pampero('user', 'del', 'alice', ...data)).toEqual({ code: 1, out: [], err: ['pampero: alice@localhost does not exist'] });
});

test('--domain decides the domain of a bare name', async () => {
  const result = await pampero('user', 'add', 'carol', '--password', 'pw', '--data-dir', dataDir, '--domain', 'example.org');
  expect(result.out).toEqual(['added carol@example.org']);
});

test('component add, re-key, list and del through the command line', async () => {
  const data = ['--data-dir', dataDir];
  expect((await pampero('component', 'add', 'muc.localhost', '--secret', 'a', ...data)).out).toEqual(['added muc.localhost']);
  expect((await pampero('component', 'add', 'muc.localhost', '--secret', 'b', ...data)).out).toEqual(['re-keyed muc.localhost']);
  expect((await pampero('component', 'list', ...data)).out).toEqual([expect.stringMatching(/^muc\.localhost\tadded \d{4}-/)]);
  expect((await pampero('component', 'del', 'muc.localhost', ...data)).out).toEqual(['deleted muc.localhost']);
  expect((await pampero('component', 'list', ...data)).out).toEqual([]);
});

test('a bad argument is one line and a non-zero exit', async () => {
  const result = await pampero('user', 'add', 'al ice', '--password', 'pw', '--data-dir', dataDir);
  expect(result.code).toBe(1);
  expect(result.err).toEqual([`pampero: "al ice" is not a valid user JID (like alice or alice@localhost; no spaces or "&'/:<>@ in the name)`]);
});

test('configuration mistakes are one line each and exit code 2, before anything starts', async () => {
  const result = await pampero('start', '--data-dir', dataDir, '--c2s-port', '99999', '--http-port', 'x', '--config', join(dataDir, 'none.yaml'));
  expect(result.code).toBe(2);
  expect(result.err).toEqual([
    `pampero: config: ${join(dataDir, 'none.yaml')}: cannot read the config file: no such file`,
    'pampero: config: --c2s-port: c2s.port: must be a port number from 0 to 65535 (0 disables), got "99999"',
    'pampero: config: --http-port: http.port: must be a port number from 0 to 65535 (0 disables), got "x"',
  ]);
});

test('every command has --help, and a missing option says which', async () => {
  for (const command of [[], ['start'], ['user'], ['user', 'add'], ['user', 'del'], ['user', 'passwd'], ['user', 'list'], ['component'], ['component', 'add'], ['component', 'del'], ['component', 'list']]) {
    const result = await pampero(...command, '--help');
    expect(result.code).toBe(0);
    expect(result.out.join('\n')).toMatch(/^Usage: pampero/);
  }
  const missing = await pampero('user', 'add', 'alice', '--data-dir', dataDir);
  expect(missing.code).not.toBe(0);
  expect(missing.err[0]).toBe("error: required option '--password <password>' not specified");
});

test('--version prints the package version', async () => {
  const result = await pampero('--version');
  expect(result.out).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+/)]);
});
