// A real `pampero` process (the built cli/pampero.cjs), for tests of what only separate processes
// show: kill -9, several nodes on one data directory, the fleet launcher, a frozen fleet node.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `pampero` entry point built from the tree this module runs from: run from TypeScript
 * sources (jest), `<root>/dist/cli/pampero.cjs`; run from a build — `dist/` or any `tsc --outDir`
 * directory — the build's own `cli/pampero.cjs`, beside this module's `loadtest/shared/`.
 */
export function pamperoBinFor(moduleUrl: string): string {
  const root = join(dirname(fileURLToPath(moduleUrl)), '..', '..');
  return moduleUrl.endsWith('.ts') ? join(root, 'dist', 'cli', 'pampero.cjs') : join(root, 'cli', 'pampero.cjs');
}

export const PAMPERO_BIN = pamperoBinFor(import.meta.url);

/** The build exists (npm test builds dist/ in its pretest step). */
export function isBuilt(): boolean {
  return existsSync(PAMPERO_BIN);
}

export interface PamperoProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no goodbye of any kind. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export function runPampero(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PAMPERO_BIN, ...args], { timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `pampero start` with this environment and waits until /readyz on `httpPort` says ready. */
export async function startPampero(env: Record<string, string>, httpPort: number, timeoutMs = 20_000): Promise<PamperoProcess> {
  const child = spawn(process.execPath, [PAMPERO_BIN, 'start'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d.toString()));
  child.stderr!.on('data', (d) => (output += d.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pampero exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`pampero not ready within ${timeoutMs} ms: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
