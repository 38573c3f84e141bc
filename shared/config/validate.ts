// Merges layers over the defaults (a later layer wins key by key), checks every value and the
// rules between keys, and throws one ConfigError listing every mistake found.
import { isAbsolute, resolve } from 'node:path';
import { defaultConfig } from './defaults.js';
import { ConfigError } from './errors.js';
import type { Layer, RawSetting } from './layer.js';
import { CONFIG_KEY_NAMES, CONFIG_KEYS, type ConfigKey } from './schema.js';
import type { PamperoConfig } from './types.js';
import { checkValue, isValidDomain } from './values.js';

/** One entry of s2s.routes, `domain=host:port`; undefined when malformed. */
export function parseS2sRoute(route: string): { domain: string; host: string; port: number } | undefined {
  const match = /^([^=\s]+)=(\[[0-9a-fA-F:.]+\]|[^\s:=\[\]]+):(\d{1,5})$/.exec(route.trim());
  if (!match) return undefined;
  const domain = match[1]!.toLowerCase();
  const port = Number(match[3]);
  if (!isValidDomain(domain) || port < 1 || port > 65535) return undefined;
  return { domain, host: match[2]!.replace(/^\[|\]$/g, ''), port };
}

const PORT_KEYS = ['c2s.port', 'c2s.tlsPort', 's2s.port', 'components.port', 'http.port', 'admin.port'] as const satisfies readonly ConfigKey[];

/** The object holding a key's value, and the value's name in it ('storage.scylla.keyspace' → scylla, 'keyspace'). */
function slotOf(config: PamperoConfig, key: ConfigKey): [Record<string, unknown>, string] {
  const parts = key.split('.');
  let node = config as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  return [node, parts[parts.length - 1]];
}

function setKey(config: PamperoConfig, key: ConfigKey, value: unknown): void {
  const [node, name] = slotOf(config, key);
  node[name] = value;
}

function getKey(config: PamperoConfig, key: ConfigKey): unknown {
  const [node, name] = slotOf(config, key);
  return node[name];
}

function crossKeyProblems(config: PamperoConfig, sourceOf: (key: ConfigKey) => string): string[] {
  const problems: string[] = [];
  if ((config.tls.certFile === '') !== (config.tls.keyFile === '')) {
    const [set, missing] = config.tls.certFile ? ['tls.certFile', 'tls.keyFile'] : ['tls.keyFile', 'tls.certFile'];
    problems.push(`${sourceOf(set as ConfigKey)}: ${set}: is set but ${missing} is not; set both (or neither for a generated certificate)`);
  }
  const scylla = config.storage.scylla;
  if (scylla.password !== '' && scylla.username === '') {
    problems.push(`${sourceOf('storage.scylla.password')}: storage.scylla.password: is set but storage.scylla.username is not; set both (or neither)`);
  }
  const redisUrl = config.cluster.redisUrl;
  if (redisUrl !== '' && !/^rediss?:\/\/[^\s/]+/.test(redisUrl)) {
    problems.push(`${sourceOf('cluster.redisUrl')}: cluster.redisUrl: must look like redis://host:port (or rediss:// for TLS), got '${redisUrl}'`);
  }
  // One router's component port, or several, comma-separated (the link moves on when one goes away).
  if (!config.component.service.split(',').every((one) => /^xmpp:\/\/[^\s:/]+:\d{1,5}\/?$/.test(one.trim()))) {
    problems.push(`${sourceOf('component.service')}: component.service: must be xmpp://host:port (the router's component port), got ${JSON.stringify(config.component.service)}`);
  }
  for (const route of config.s2s.routes) {
    if (!parseS2sRoute(route)) problems.push(`${sourceOf('s2s.routes')}: s2s.routes: must be domain=host:port, got ${JSON.stringify(route)}`);
  }
  const portOwner = new Map<number, ConfigKey>();
  for (const key of PORT_KEYS) {
    if (key === 's2s.port' && !config.s2s.enabled) continue;
    const port = getKey(config, key) as number;
    if (typeof port !== 'number' || port === 0) continue;
    const owner = portOwner.get(port);
    if (owner) {
      // Blame the key that was set, not the one left at its default.
      const [blamed, other] = sourceOf(key) === 'default' ? [owner, key] : [key, owner];
      problems.push(`${sourceOf(blamed)}: ${blamed}: port ${port} is also ${other}; each listener needs its own port`);
    }
    else portOwner.set(port, key);
  }
  return problems;
}

/**
 * The configuration the layers describe. `cwd` anchors relative paths (dataDir, tls files), so
 * a role that changes directory later still finds its files. roster.secret may stay empty
 * (ensureRosterSecret fills it from the data directory).
 */
export function resolveConfig(layers: Layer[], cwd = process.cwd()): PamperoConfig {
  const problems = layers.flatMap((layer) => layer.problems);
  const config = defaultConfig();
  const winners = new Map<ConfigKey, RawSetting>();
  for (const layer of layers) for (const [key, setting] of layer.settings) winners.set(key, setting);

  for (const key of CONFIG_KEY_NAMES) {
    const setting = winners.get(key);
    if (!setting) continue;
    const checked = checkValue(CONFIG_KEYS[key].kind, setting.raw, setting.fromText);
    if (checked.ok) setKey(config, key, checked.value);
    else problems.push(`${setting.source}: ${key}: ${checked.problem}`);
  }

  for (const key of ['dataDir', 'tls.certFile', 'tls.keyFile'] as const) {
    const path = getKey(config, key) as string;
    if (path !== '' && !isAbsolute(path)) setKey(config, key, resolve(cwd, path));
  }
  if (config.roster.domain === '') config.roster.domain = `roster.${config.domain}`;

  const sourceOf = (key: ConfigKey): string => winners.get(key)?.source ?? 'default';
  problems.push(...crossKeyProblems(config, sourceOf));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
