import { pbkdf2Sync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { BACKGROUND_NICE, backgroundPbkdf2, configureBackgroundHashing, stopBackgroundHashing } from './background-pbkdf2.js';

afterAll(() => stopBackgroundHashing());

/** Nice value and scheduling policy of this process's threads (Linux: fields 19 and 41 of /proc/self/task/<tid>/stat). */
function threads(): { nice: number; policy: number }[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { nice: Number(fields[16]), policy: Number(fields[38]) };
  });
}

test('a password is derived off the event loop to the same key as pbkdf2Sync', async () => {
  const salt = Buffer.from('0123456789abcdef');
  const key = await backgroundPbkdf2('pencil', salt, 4096, 32, 'sha256');
  expect(key.equals(pbkdf2Sync('pencil', salt, 4096, 32, 'sha256'))).toBe(true);
});

const linux = process.platform === 'linux' ? test : test.skip;
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
linux('the hashing thread runs at SCHED_IDLE (nice 19 too), the event loop at its own priority', async () => {
  await backgroundPbkdf2('pencil', Buffer.from('salt'), 10, 20, 'sha1');
  const base = getPriority();
  // Jest's process has no idle threads of its own (no pampero executable preload): this one is the hashing thread.
  expect(threads()).toContainEqual({ nice: BACKGROUND_NICE, policy: SCHED_IDLE });
  expect(getPriority()).toBe(base); // the event loop's thread keeps its own
  const main = readFileSync('/proc/thread-self/stat', 'utf8');
  expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[38])).toBe(SCHED_OTHER);
});

linux('with PAMPERO_HELPER_THREADS=normal the hashing thread is at nice 19 only', async () => {
  await stopBackgroundHashing();
  process.env.PAMPERO_HELPER_THREADS = 'normal';
  try {
    await backgroundPbkdf2('pencil', Buffer.from('salt'), 10, 20, 'sha1');
    // Only a hashing thread is at nice 19 here. (The idle one just stopped may still be listed
    // for a moment after terminate(): a busy CI machine showed it, so it is not asserted away.)
    expect(threads()).toContainEqual({ nice: BACKGROUND_NICE, policy: SCHED_OTHER });
  } finally {
    delete process.env.PAMPERO_HELPER_THREADS;
    await stopBackgroundHashing();
  }
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
