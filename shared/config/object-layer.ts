// Turns a nested settings object (a parsed config file, or test overrides) into a layer:
// every key must be a known section or key, sections must be mappings (sections may nest:
// storage.scylla.keyspace).
import { emptyLayer, isConfigKey, isSection, SECTIONS, suggestKey, type Layer } from './layer.js';
import { CONFIG_KEY_NAMES } from './schema.js';

const TOP_LEVEL_NAMES = [...new Set(CONFIG_KEY_NAMES.map((k) => k.split('.')[0]))];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys and sections inside `section`, for "did you mean" (top level: the top-level names). */
function namesInside(section: string): string[] {
  if (section === '') return TOP_LEVEL_NAMES;
  return [...CONFIG_KEY_NAMES, ...SECTIONS].filter((k) => k.startsWith(`${section}.`));
}

function addMapping(layer: Layer, section: string, mapping: Record<string, unknown>, where: (dottedKey: string) => string): void {
  for (const [name, value] of Object.entries(mapping)) {
    const key = section === '' ? name : `${section}.${name}`;
    if (isSection(key)) {
      if (value === null) continue; // "c2s:" with nothing under it
      if (!isMapping(value)) layer.problems.push(`${where(key)}: ${key}: must be a mapping of keys (like ${key}.<key>: value)`);
      else addMapping(layer, key, value, where);
    } else if (isConfigKey(key)) {
      layer.settings.set(key, { raw: value, source: where(key), fromText: false });
    } else {
      layer.problems.push(`${where(key)}: ${key}: unknown key${suggestKey(key, namesInside(section))}`);
    }
  }
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
  addMapping(layer, '', settings, where);
  return layer;
}
