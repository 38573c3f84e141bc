// Shared helpers of the deploy/ tests: paths, YAML reading, and "does this configuration load".
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { readConfig } from '../../shared/config/index.js';
import type { PamperoConfig } from '../../shared/config/index.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const deployPath = (...parts: string[]): string => join(root, 'deploy', ...parts);
export const readText = (path: string): string => readFileSync(path, 'utf8');
export const readYaml = (path: string): unknown => parse(readText(path), { merge: true });
export const readYamlDocuments = (text: string): unknown[] =>
  parseAllDocuments(text).map((doc) => doc.toJS()).filter((doc) => doc !== null);

/** The example config files, by name (all-in-one, gateway, router, roster, muc, pubsub). */
export function exampleConfigs(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(deployPath('config')).sort()) {
    if (name.endsWith('.yaml')) files.set(name.replace(/\.yaml$/, ''), deployPath('config', name));
  }
  return files;
}

/** Loads a config through every layer Pampero uses (file < environment), or throws its ConfigError. */
export function loadWith(configFile: string | undefined, env: Record<string, string>): PamperoConfig {
  return readConfig({ configFile, env, cwd: root });
}

/** ConfigError lines (or the message) when loading fails; [] when it loads. */
export function problemsLoading(configFile: string | undefined, env: Record<string, string>): string[] {
  try {
    loadWith(configFile, env);
    return [];
  } catch (err) {
    return (err as { lines?: string[] }).lines ?? [String(err)];
  }
}

/** Full path of an executable on PATH, or undefined. */
export function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readText(path).split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}
