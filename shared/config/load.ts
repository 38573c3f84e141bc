// Builds the PamperoConfig every role starts from:
//   defaults < config file (--config or PAMPERO_CONFIG) < PAMPERO_* environment < command-line flags.
// Throws ConfigError (one line per mistake) when anything is wrong.
import { ensureRosterSecret } from './roster-secret.js';
import { CONFIG_FILE_ENV, environmentLayer } from './env-layer.js';
import { fileLayer } from './file-layer.js';
import { flagLayer, type FlagValues } from './flag-layer.js';
import type { Layer } from './layer.js';
import { objectLayer } from './object-layer.js';
import type { PamperoConfig } from './types.js';
import { resolveConfig } from './validate.js';

export interface LoadConfigOptions {
  /** --config FILE; falls back to PAMPERO_CONFIG. */
  configFile?: string;
  /** Values of command-line flags, by config key. */
  flags?: FlagValues;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Anchors relative paths; defaults to process.cwd(). */
  cwd?: string;
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type ConfigOverrides = DeepPartial<PamperoConfig>;

/** Every layer, without touching the data directory (the roster secret may still be empty). */
export function readConfig(options: LoadConfigOptions = {}): PamperoConfig {
  const env = options.env ?? process.env;
  const layers: Layer[] = [];
  const configFile = options.configFile ?? env[CONFIG_FILE_ENV];
  if (configFile) layers.push(fileLayer(configFile));
  layers.push(environmentLayer(env), flagLayer(options.flags ?? {}));
  return resolveConfig(layers, options.cwd);
}

/** The complete configuration, roster secret included (generated into the data directory if unset). */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<PamperoConfig> {
  return ensureRosterSecret(readConfig(options));
}

/** Defaults plus an object of overrides, checked like a config file; no environment (tests). */
export function configFromObject(overrides: ConfigOverrides, cwd?: string): PamperoConfig {
  return resolveConfig([objectLayer(overrides, () => 'overrides')], cwd);
}
