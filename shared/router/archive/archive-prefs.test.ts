// The preferences cache: one storage read per user, however many writes ask at once.
import type { ArchivePrefs, ArchiveStore } from '../../storage/types.js';
import { ArchivePrefsCache } from './archive-prefs.js';

test('concurrent lookups of one user read the stored preferences once, then the cache answers', async () => {
  let reads = 0;
  const stored: ArchivePrefs = { default: 'always', always: [], never: ['spam@x'] };
  const store = { getPrefs: async () => { reads += 1; await new Promise((r) => setTimeout(r, 5)); return stored; } } as unknown as ArchiveStore;
  const prefs = new ArchivePrefsCache(store, undefined);
  expect(prefs.verdict('a@x', 'b@x')).toBe('unknown');
  const verdicts = await Promise.all([prefs.settle('a@x', 'b@x'), prefs.settle('a@x', 'spam@x/r'), prefs.get('a@x')]);
  expect(verdicts.slice(0, 2)).toEqual([true, false]);
  expect(reads).toBe(1);
  expect(prefs.verdict('a@x', 'spam@x')).toBe(false);
  expect(prefs.verdict('a@x', 'b@x')).toBe(true);
});

test('a failed read is not remembered: the next lookup reads again', async () => {
  let reads = 0;
  const store = { getPrefs: async () => { reads += 1; if (reads === 1) throw new Error('down'); return undefined; } } as unknown as ArchiveStore;
  const prefs = new ArchivePrefsCache(store, undefined);
  await expect(prefs.get('a@x')).rejects.toThrow('down');
  expect((await prefs.get('a@x')).default).toBe('always');
  expect(reads).toBe(2);
});
