// A layer is the set of keys one source sets (config file, environment, flags), each with where it
// came from, so a wrong value is reported as "<where>: <key>: <what is wrong>".
import { CONFIG_KEYS, type ConfigKey } from './schema.js';

export interface RawSetting {
  raw: unknown;
  /** Where the value came from: "pampero.yaml:4", "PAMPERO_C2S_PORT", "--c2s-port". */
  source: string;
  /** Environment and flag values are text to parse; file values carry their own type. */
  fromText: boolean;
}

export interface Layer {
  settings: Map<ConfigKey, RawSetting>;
  /** One line per mistake found while reading this layer (unknown key, syntax error, …). */
  problems: string[];
}

export function emptyLayer(): Layer {
  return { settings: new Map(), problems: [] };
}

export function isConfigKey(key: string): key is ConfigKey {
  return Object.prototype.hasOwnProperty.call(CONFIG_KEYS, key);
}

/** Every dotted prefix of a key: 'c2s', 'storage', 'storage.scylla'. */
export const SECTIONS: ReadonlySet<string> = new Set(
  Object.keys(CONFIG_KEYS).flatMap((k) => k.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))),
);

export function isSection(name: string): boolean {
  return SECTIONS.has(name);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** " (did you mean c2s.maxStanzaBytes?)" for a near-miss, "" otherwise. */
export function suggestKey(unknown: string, candidates: readonly string[]): string {
  const normal = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
  const wanted = normal(unknown);
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normal(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}
