// The secret the all-in-one's own roster component attaches with. When none is configured it is
// generated once and kept in DATA_DIR/roster.secret, so a restart (and every process sharing the
// data directory) uses the same one.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { PamperoConfig } from './types.js';

export const ROSTER_SECRET_FILE = 'roster.secret';

async function readSecret(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

/** The config with roster.secret filled in (from the file, or newly generated into it). */
export async function ensureRosterSecret(config: PamperoConfig): Promise<PamperoConfig> {
  if (config.roster.secret !== '') return config;
  const file = join(config.dataDir, ROSTER_SECRET_FILE);
  try {
    await mkdir(config.dataDir, { recursive: true });
    let secret: string;
    try {
      // 'wx' fails if another process created it first: then everyone reads the same secret.
      secret = randomBytes(24).toString('base64url');
      await writeFile(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      secret = await readSecret(file);
      if (secret === '') throw new Error(`${file} is empty; delete it to generate a new secret`);
    }
    return { ...config, roster: { ...config.roster, secret } };
  } catch (err) {
    throw new ConfigError([`roster.secret: cannot keep the generated secret in ${file}: ${(err as Error).message}`]);
  }
}
