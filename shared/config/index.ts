// The configuration module's public face.
export type { PamperoConfig, Role, S2sConfig, ScyllaConfig, ScyllaConsistency, StorageBackend, StorageConfig } from './types.js';
export { ConfigError } from './errors.js';
export { DEFAULT_CONFIG, defaultConfig } from './defaults.js';
export { CONFIG_KEYS, CONFIG_KEY_NAMES, genericEnvName, LOG_LEVELS, ROLES, SCYLLA_CONSISTENCIES, STORAGE_BACKENDS, type ConfigKey, type KeySpec } from './schema.js';
export { environmentNamesOf } from './env-layer.js';
export type { FlagValues } from './flag-layer.js';
export { configFromObject, loadConfig, readConfig, type ConfigOverrides, type LoadConfigOptions } from './load.js';
export { ensureRosterSecret } from './roster-secret.js';
export { parseS2sRoute, resolveConfig } from './validate.js';
