// Dockerfile and .dockerignore, checked without a container engine: multi-stage with the
// documented base images, every COPY source exists in the build context and is not ignored, the
// runtime stage runs as an unprivileged user with the pampero entry point, and the files the
// admin API reads at run time from outside dist/ are copied.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readText, root } from './deploy-files.js';

const dockerfile = readText(join(root, 'Dockerfile'));
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const ignored = readText(join(root, '.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

const stages = instructions.filter((l) => l.startsWith('FROM '));
const runtimeStart = instructions.indexOf(stages[stages.length - 1]!);
const runtime = instructions.slice(runtimeStart);

test('two stages: build on node:20-bookworm, run on node:20-bookworm-slim', () => {
  expect(stages).toEqual(['FROM node:20-bookworm AS build', 'FROM node:20-bookworm-slim AS runtime']);
  expect(instructions).toEqual(expect.arrayContaining([expect.stringMatching(/^RUN npm ci /), expect.stringMatching(/^RUN npx tsc -p tsconfig\.json && npm prune --omit=dev/)]));
});

test('every COPY from the build context exists and is not excluded by .dockerignore', () => {
  const sources = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
  expect(sources.length).toBeGreaterThan(5);
  for (const source of sources) {
    expect([source, existsSync(join(root, source))]).toEqual([source, true]);
    const top = source.replace(/\/$/, '').split('/')[0];
    expect([source, ignored.includes(top!) || ignored.includes(source)]).toEqual([source, false]);
  }
});

test('the runtime stage has production dependencies, dist/, the console files, and runs unprivileged', () => {
  expect(runtime).toEqual(expect.arrayContaining([
    'COPY --from=build /src/node_modules ./node_modules',
    'COPY --from=build /src/dist ./dist',
    'COPY shared/admin/console ./shared/admin/console',
    'USER 10001:10001',
    'ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli/pampero.cjs"]',
    'CMD ["start"]',
  ]));
  expect(runtime.find((l) => l.startsWith('EXPOSE '))).toBe('EXPOSE 5222 5223 5275 5280 5285');
  expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/readyz');
});

test('.dockerignore keeps secrets, build output and dependencies out of the context', () => {
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env', 'deploy/compose/.env', 'data']));
});
