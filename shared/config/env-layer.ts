// PAMPERO_* environment variables as a layer. Each key has a generic name (section and key in
// SCREAMING_SNAKE_CASE joined by a double underscore: PAMPERO_C2S__MAX_STANZA_BYTES); the keys
// with a command-line flag also have a flat name (PAMPERO_C2S_PORT). A PAMPERO_ variable that
// names no key is a mistake: a typo must not be silently ignored.
import { emptyLayer, suggestKey, type Layer } from './layer.js';
import { CONFIG_KEY_NAMES, CONFIG_KEYS, genericEnvName, type ConfigKey } from './schema.js';

/** PAMPERO_ variables that are not configuration keys. */
export const CONFIG_FILE_ENV = 'PAMPERO_CONFIG';
/** Runs a fleet node speaking the previous bus protocol (tests of mixed versions; cli/fleet-membership.ts). */
export const BUS_VERSION_ENV = 'PAMPERO_BUS_PROTOCOL_VERSION';
/** Read by cli/v8-threads.cts before any configuration is loaded (docs/configuration.md). */
export const HELPER_THREADS_ENV = 'PAMPERO_HELPER_THREADS';
const NOT_KEYS = new Set([CONFIG_FILE_ENV, BUS_VERSION_ENV, HELPER_THREADS_ENV]);

const KEY_BY_ENV_NAME = new Map<string, ConfigKey>();
// Flat names first: on a tie, a suggestion names the documented flat form.
for (const key of CONFIG_KEY_NAMES) {
  const flat = CONFIG_KEYS[key].env;
  if (flat) KEY_BY_ENV_NAME.set(flat, key);
}
for (const key of CONFIG_KEY_NAMES) KEY_BY_ENV_NAME.set(genericEnvName(key), key);

export function environmentNamesOf(key: ConfigKey): string[] {
  const flat = CONFIG_KEYS[key].env;
  const generic = genericEnvName(key);
  return flat && flat !== generic ? [flat, generic] : [generic];
}

export function environmentLayer(env: Record<string, string | undefined>): Layer {
  const layer = emptyLayer();
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith('PAMPERO_') || value === undefined || NOT_KEYS.has(name)) continue;
    const key = KEY_BY_ENV_NAME.get(name);
    if (key === undefined) {
      layer.problems.push(`${name}: not a Pampero setting${suggestKey(name, [...KEY_BY_ENV_NAME.keys(), ...NOT_KEYS])}`);
      continue;
    }
    const earlier = layer.settings.get(key);
    if (earlier && earlier.raw !== value) {
      layer.problems.push(`${name}: ${key}: also set by ${earlier.source} to a different value; set only one`);
      continue;
    }
    layer.settings.set(key, { raw: value, source: name, fromText: true });
  }
  return layer;
}
