// Command-line flag values as a layer (the highest one). The CLI maps its options to keys;
// commander hands over text (and true for boolean flags).
import { emptyLayer, type Layer } from './layer.js';
import { CONFIG_KEYS, type ConfigKey } from './schema.js';

export type FlagValues = Partial<Record<ConfigKey, string | number | boolean>>;

export function flagLayer(flags: FlagValues): Layer {
  const layer = emptyLayer();
  for (const [key, raw] of Object.entries(flags) as Array<[ConfigKey, unknown]>) {
    if (raw === undefined) continue;
    layer.settings.set(key, { raw, source: CONFIG_KEYS[key].flag ?? `--${key}`, fromText: true });
  }
  return layer;
}
