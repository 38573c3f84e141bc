import { parseScriptArgs, type ScriptIo } from './script-args.js';

const USAGE = 'usage: demo [--count N]';
const options = { count: { type: 'string', default: '10' } } as const;

function io() {
  const seen = { out: '', err: '', code: undefined as number | undefined };
  const fake: ScriptIo = {
    out: (t) => void (seen.out += t),
    err: (t) => void (seen.err += t),
    exit: (code) => {
      seen.code = code;
      throw new Error('exit');
    },
  };
  return { seen, fake };
}

test('--help and -h print the usage and end the script with 0', () => {
  for (const flag of ['--help', '-h']) {
    const { seen, fake } = io();
    expect(() => parseScriptArgs(USAGE, options, [flag], fake)).toThrow('exit');
    expect(seen).toEqual({ out: `${USAGE}\n`, err: '', code: 0 });
  }
});

test('an unknown option is named, with the usage, and ends the script with 2 (no stack trace)', () => {
  const { seen, fake } = io();
  expect(() => parseScriptArgs(USAGE, options, ['--cuont', '5'], fake)).toThrow('exit');
  expect(seen.code).toBe(2);
  expect(seen.err).toContain("'--cuont'");
  expect(seen.err).toContain(USAGE);
});

test('known options and positionals are parsed as node parseArgs does, defaults included', () => {
  const { fake } = io();
  expect(parseScriptArgs(USAGE, options, ['fill', '--count', '5'], fake)).toMatchObject({ positionals: ['fill'], values: { count: '5' } });
  expect(parseScriptArgs(USAGE, options, [], fake).values.count).toBe('10');
});
