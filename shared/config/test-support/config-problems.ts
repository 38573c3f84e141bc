// For the tests of configuration checks (shared/config, cli): what a bad configuration is told.
import { ConfigError } from '../index.js';

/** The lines of the ConfigError `run` throws (fails the test when it does not throw one). */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).lines;
  }
  throw new Error('expected a ConfigError');
}
