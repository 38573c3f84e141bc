// Turns a nested settings object (a parsed config file, or test overrides) into a layer:
// every key must be a known section or key, sections must be mappings.
import { emptyLayer, isConfigKey, isSection, suggestKey, type Layer } from './layer.js';
import { CONFIG_KEY_NAMES } from './schema.js';

const TOP_LEVEL_NAMES = [...new Set(CONFIG_KEY_NAMES.map((k) => k.split('.')[0]))];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param where  names the place of a dotted key for messages ("pampero.yaml:4"); `fromText` is
 *               false because YAML/JSON and objects carry typed values.
 */
export function objectLayer(settings: unknown, where: (dottedKey: string) => string): Layer {
  const layer = emptyLayer();
  if (settings === null || settings === undefined) return layer; // an empty file sets nothing
  if (!isMapping(settings)) {
    layer.problems.push(`${where('')}: the configuration must be a mapping of keys to values`);
    return layer;
  }
  for (const [name, value] of Object.entries(settings)) {
    if (isSection(name)) {
      if (value === null) continue; // "c2s:" with nothing under it
      if (!isMapping(value)) {
        layer.problems.push(`${where(name)}: ${name}: must be a mapping of keys (like ${name}.<key>: value)`);
        continue;
      }
      for (const [sub, subValue] of Object.entries(value)) {
        const key = `${name}.${sub}`;
        if (isConfigKey(key)) layer.settings.set(key, { raw: subValue, source: where(key), fromText: false });
        else {
          const siblings = CONFIG_KEY_NAMES.filter((k) => k.startsWith(`${name}.`));
          layer.problems.push(`${where(key)}: ${key}: unknown key${suggestKey(key, siblings)}`);
        }
      }
    } else if (isConfigKey(name)) {
      layer.settings.set(name, { raw: value, source: where(name), fromText: false });
    } else {
      layer.problems.push(`${where(name)}: ${name}: unknown key${suggestKey(name, TOP_LEVEL_NAMES)}`);
    }
  }
  return layer;
}
