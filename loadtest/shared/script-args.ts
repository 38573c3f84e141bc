// Command-line options of the stand-alone load scripts (loadtest/*.ts): node's parseArgs, plus
// `--help`/`-h`, which prints the script's usage, and an unknown option answered with the usage
// and exit code 2 instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>;

/** Where the usage goes and how the script ends (a test passes its own). */
export interface ScriptIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: number): never;
}
const processIo: ScriptIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), exit: (code) => process.exit(code) };

export function parseScriptArgs<const O extends Options>(usage: string, options: O, argv: string[] = process.argv.slice(2), io: ScriptIo = processIo): Parsed<O> {
  let parsed: ReturnType<typeof parseArgs<{ options: O & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${usage}\n`);
    return io.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out(`${usage}\n`);
    io.exit(0);
  }
  return parsed as unknown as Parsed<O>;
}
