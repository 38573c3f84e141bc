// docs/loadtest.md must stay true: every option the command knows is described there.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommand } from './options.js';
import { SCENARIOS } from './scenario-defaults.js';

const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'loadtest.md'), 'utf8');

test('docs/loadtest.md names every option of pampero-loadtest', () => {
  for (const option of buildCommand().options) expect(doc).toContain(`\`${option.long}`);
});

test('docs/loadtest.md describes every scenario', () => {
  for (const scenario of SCENARIOS) expect(doc).toContain(`| \`${scenario}\` |`);
});
