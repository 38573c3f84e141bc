// How a command fails: one clear line per problem on stderr and a non-zero exit code, never a
// stack trace. Exit 2 is a configuration mistake (systemd can refuse to restart on it), 1 anything else.
import { ConfigError } from '../shared/config/errors.js';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;

/** Where commands write; tests pass their own to capture output and the exit code. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  setExitCode(code: number): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Prints an error the CLI way and sets the exit code. */
export function reportFailure(err: unknown, io: CliIo): void {
  if (err instanceof ConfigError) {
    for (const line of err.lines) io.err(`pampero: config: ${line}`);
    io.setExitCode(EXIT_CONFIG);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(`pampero: ${message.split('\n')[0]}`);
  io.setExitCode(EXIT_FAILURE);
}

/** Wraps a command action so any failure is reported as one line and an exit code. */
export function action<Args extends unknown[]>(io: CliIo, run: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await run(...args);
    } catch (err) {
      reportFailure(err, io);
    }
  };
}
