// The built executable, spawned as an operator runs it. Runs only where `npm run build` made
// dist/ (npm test builds it first in its pretest step).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../test/support/free-port.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'pampero.cjs');
const whenBuilt = existsSync(bin) ? test : test.skip;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 15_000, env: { PATH: process.env.PATH } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

whenBuilt('pampero --help lists the commands', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/Usage: pampero/);
  for (const command of ['start', 'user', 'component']) expect(stdout).toContain(command);
});

whenBuilt('a configuration mistake is one line and exit code 2, without a stack trace', async () => {
  const { code, stdout, stderr } = await run(['user', 'list', '--domain', 'bad domain', '--data-dir', '/nonexistent']);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.trim().split('\n')).toEqual([`pampero: config: --domain: domain: "bad domain" is not a valid domain name (letters, digits, '-' and '.')`]);
});

whenBuilt('output into a pipe that closes early ends quietly (exit 0, no stack trace)', async () => {
  const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.destroy(); // the reader (e.g. `| head -1`) is gone before the first write
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
  expect(stderr).not.toMatch(/EPIPE|at /);
});

whenBuilt('pampero start prints where it listens and exits 0 on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-start-'));
  const [c2s, c2sTls, component, http] = await freePorts(4);
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dataDir, '--log-level', 'silent'], {
    env: {
      PATH: process.env.PATH,
      PAMPERO_C2S__HOST: '127.0.0.1',
      PAMPERO_HTTP__HOST: '127.0.0.1',
      PAMPERO_C2S_PORT: String(c2s),
      PAMPERO_C2S_TLS_PORT: String(c2sTls),
      PAMPERO_COMPONENT_PORT: String(component),
      PAMPERO_HTTP_PORT: String(http),
    },
  });
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes(`:${http}`)) resolve();
      });
      child.once('exit', () => reject(new Error(`pampero start exited early: ${stderr}`)));
    });
    expect(stdout).toContain(`c2s (STARTTLS) on 127.0.0.1:${c2s}`);
    expect(stdout).toContain(`c2s (direct TLS) on 127.0.0.1:${c2sTls}`);
    expect(stdout).toContain(`127.0.0.1:${component}`);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
