// Runs a helper script or program with a time limit, its output passed through to the terminal.
import { spawn } from 'node:child_process';

export function runCommand(cmd: string, args: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; capture?: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`${cmd} did not finish within ${opts.timeoutMs / 1000} s`)); }, opts.timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`));
    });
  });
}
