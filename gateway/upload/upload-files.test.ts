import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadFiles } from './upload-files.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'pampero-upload-')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

async function store(files: UploadFiles, id: string, body: string, created: number): Promise<void> {
  const sink = await files.begin('a'.repeat(32), id);
  await new Promise<void>((resolve) => sink.stream.end(body, () => resolve()));
  await sink.commit({ filename: 'f.txt', size: body.length, contentType: 'text/plain', created });
}

test('usage counts complete files; expired files are hidden and removed by cleanup', async () => {
  const files = new UploadFiles(dir, 2);
  const now = Date.now();
  await store(files, 'old', 'xxxx', now - 3 * 86_400_000);
  await store(files, 'new', 'yyyyyy', now);
  expect(await files.usage('a'.repeat(32))).toEqual({ bytes: 6, files: 2 });
  expect(await files.meta('a'.repeat(32), 'old')).toBeUndefined();
  expect(await files.cleanup(now)).toBe(1);
  expect(await readdir(join(dir, 'files', 'a'.repeat(32)))).toEqual(['new']);
});

test('an abandoned upload is removed a day later, and the key is created once', async () => {
  const files = new UploadFiles(dir, 0);
  const sink = await files.begin('b'.repeat(32), 'part');
  sink.stream.end('half');
  await new Promise<void>((resolve) => sink.stream.on("close", () => resolve()));
  expect(await files.cleanup()).toBe(0);
  const old = new Date(Date.now() - 2 * 86_400_000);
  await utimes(join(dir, 'files', 'b'.repeat(32), 'part'), old, old);
  expect(await files.cleanup()).toBe(1);
  const key = await UploadFiles.secret(dir);
  expect(key).toHaveLength(32);
  expect(await UploadFiles.secret(dir)).toEqual(key);
});
