import { pbkdf2Sync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { BACKGROUND_NICE, backgroundPbkdf2, configureBackgroundHashing, stopBackgroundHashing } from './background-pbkdf2.js';

afterAll(() => stopBackgroundHashing());

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test('a password is derived off the event loop to the same key as pbkdf2Sync', async () => {
  const salt = Buffer.from('0123456789abcdef');
  const key = await backgroundPbkdf2('pencil', salt, 4096, 32, 'sha256');
  expect(key.equals(pbkdf2Sync('pencil', salt, 4096, 32, 'sha256'))).toBe(true);
});

const linux = process.platform === 'linux' ? test : test.skip;
linux('the hashing thread runs at a lower priority than the event loop', async () => {
  await backgroundPbkdf2('pencil', Buffer.from('salt'), 10, 20, 'sha1');
  const base = getPriority();
  expect(threadNices()).toContain(BACKGROUND_NICE);
  expect(getPriority()).toBe(base); // the event loop's thread keeps its own
});

test('derivations beyond the configured threads wait for one, and all finish', async () => {
  configureBackgroundHashing(2);
  const salt = Buffer.from('salt');
  const keys = await Promise.all(Array.from({ length: 6 }, (_, i) => backgroundPbkdf2(`pw${i}`, salt, 1000, 20, 'sha1')));
  keys.forEach((key, i) => expect(key.equals(pbkdf2Sync(`pw${i}`, salt, 1000, 20, 'sha1'))).toBe(true));
});

test('a derivation that fails rejects, and the next one works', async () => {
  await expect(backgroundPbkdf2('pw', Buffer.from('salt'), 10, 20, 'no-such-digest')).rejects.toThrow(/digest/i);
  const key = await backgroundPbkdf2('pw', Buffer.from('salt'), 10, 20, 'sha1');
  expect(key).toHaveLength(20);
});
