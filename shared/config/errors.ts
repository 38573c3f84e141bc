// A configuration mistake, reported as one line per problem (never a stack trace):
// the CLI prints `lines` and exits non-zero. Problems are collected, not thrown one at a time,
// so an operator fixes all of them in one go.

export class ConfigError extends Error {
  readonly lines: string[];

  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.lines = lines;
  }
}
