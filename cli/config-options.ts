// The options every command that reads configuration shares (--config, --data-dir, --domain),
// and turning commander's parsed options into config-layer flags. The same precedence holds for
// every command: defaults < config file < PAMPERO_* environment < flags.
import type { Command } from 'commander';
import { readConfig, type ConfigKey, type FlagValues, type PamperoConfig } from '../shared/config/index.js';

/** commander's camelCase option name → config key. */
export const OPTION_KEYS: Record<string, ConfigKey> = {
  role: 'role',
  domain: 'domain',
  dataDir: 'dataDir',
  c2sPort: 'c2s.port',
  c2sTlsPort: 'c2s.tlsPort',
  componentPort: 'components.port',
  s2s: 's2s.enabled',
  s2sPort: 's2s.port',
  componentService: 'component.service',
  componentDomain: 'component.domain',
  componentSecret: 'component.secret',
  httpPort: 'http.port',
  redis: 'cluster.redisUrl',
  allowPlainFromLoopback: 'c2s.allowPlainFromLoopback',
  logLevel: 'log.level',
};

export interface ConfigOptionValues {
  config?: string;
  [option: string]: unknown;
}

export function addConfigOptions(command: Command): Command {
  return command
    .option('--config <file>', 'YAML or JSON configuration file (env PAMPERO_CONFIG)')
    .option('--data-dir <dir>', 'data directory (env PAMPERO_DATA_DIR; default ./data)')
    .option('--domain <domain>', 'XMPP domain served (env PAMPERO_DOMAIN; default localhost)');
}

export function flagsFrom(options: ConfigOptionValues): FlagValues {
  const flags: FlagValues = {};
  for (const [option, key] of Object.entries(OPTION_KEYS)) {
    const value = options[option];
    if (typeof value === 'string' || typeof value === 'boolean') flags[key] = value;
  }
  return flags;
}

/** The configuration for a data command (no roster secret needed, nothing written). */
export function configFromOptions(options: ConfigOptionValues): PamperoConfig {
  return readConfig({ configFile: options.config, flags: flagsFrom(options) });
}
