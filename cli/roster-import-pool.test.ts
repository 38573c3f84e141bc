// The key-derivation pool with real worker threads. Jest compiles the TypeScript sources only for
// its own module registry; a worker thread loads modules through Node, so the workers here get a
// tiny loader (Node module hooks + the @swc/core that jest uses) that compiles .ts on the fly.
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../shared/auth/scram.js';
import { startDerivePool } from './roster-import-pool.js';

const HOOKS = `
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const swc = createRequire(${JSON.stringify(fileURLToPath(new URL('../package.json', import.meta.url)))})('@swc/core');
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const ts = specifier.endsWith('.js') ? new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL) : undefined;
    if (ts && ts.protocol === 'file:' && existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    throw err;
  }
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const options = { filename, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } };
  return { format: 'module', source: swc.transformSync(readFileSync(filename, 'utf8'), options).code, shortCircuit: true };
}`;
const dataUrl = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;
const TS_WORKERS = ['--import', dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(dataUrl(HOOKS))});`)];

test('worker threads derive, in order, keys that verify against each password', async () => {
  const pool = startDerivePool({ size: 2, iterations: 64, execArgv: TS_WORKERS });
  try {
    const passwords = ['one', 'two', 'three', 'four', 'five'];
    const [first, again] = await Promise.all([pool.derive(passwords), pool.derive(['six'])]);
    expect(first).toHaveLength(5);
    first.forEach((credentials, i) => {
      expect(credentials['SCRAM-SHA-256'].iterations).toBe(64);
      expect(verifyPassword(credentials['SCRAM-SHA-256'], 'SCRAM-SHA-256', passwords[i]!)).toBe(true);
      expect(verifyPassword(credentials['SCRAM-SHA-1'], 'SCRAM-SHA-1', passwords[i]!)).toBe(true);
    });
    expect(verifyPassword(again[0]!['SCRAM-SHA-1'], 'SCRAM-SHA-1', 'six')).toBe(true);
  } finally {
    await pool.close();
  }
});

test('a closed pool refuses work instead of hanging', async () => {
  const pool = startDerivePool({ size: 1, iterations: 1, execArgv: TS_WORKERS });
  await pool.close();
  await expect(pool.derive(['x'])).rejects.toThrow('the key-derivation pool is closed');
});
