// The reference docs must stay true: every config key, environment name and command option the
// code knows appears in docs/configuration.md or docs/cli.md.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../cli/program.js';
import { CONFIG_KEYS, CONFIG_KEY_NAMES, DEFAULT_CONFIG, environmentNamesOf } from '../shared/config/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const configurationDoc = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
const cliDoc = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');

test('docs/configuration.md names every key with its environment variables and flag', () => {
  for (const key of CONFIG_KEY_NAMES) {
    expect(configurationDoc).toContain(`| \`${key}\` |`);
    for (const name of environmentNamesOf(key)) expect(configurationDoc).toContain(name);
    const flag = CONFIG_KEYS[key].flag;
    if (flag) expect(configurationDoc).toContain(`\`${flag}\``);
  }
});

test('docs/configuration.md gives the real defaults of the ports and limits', () => {
  for (const section of [DEFAULT_CONFIG.c2s, DEFAULT_CONFIG.components, DEFAULT_CONFIG.http]) {
    for (const value of Object.values(section)) if (typeof value === 'number') expect(configurationDoc).toContain(`\`${value}\``);
  }
});

test('docs/cli.md names every command and every option', () => {
  const visit = (command: Command, path: string[]) => {
    if (path.length > 0) expect(cliDoc).toContain(`pampero ${path.join(' ')}`);
    for (const option of command.options) expect(cliDoc).toContain(option.long ?? option.short ?? '');
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(buildProgram(), []);
});
