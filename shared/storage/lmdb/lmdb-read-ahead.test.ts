// The PubSub store's file is read at random and may outgrow the memory its process is given: its
// map carries the kernel's random-read hint (MDB_NORDAHEAD, madvise MADV_RANDOM: "rr" in
// /proc/self/smaps), so a page fault does not read 128 KB around it. The other environments keep
// the kernel's read-around (the archive is read in ranges).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbPubsubStore } from './pubsub-store.js';
import { openLmdbEnv } from './lmdb-env.js';

/** The VmFlags of every mapping of `file` in this process. */
function mapFlags(file: string): string[][] {
  const out: string[][] = [];
  let current = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) current = line.trimEnd().endsWith(file);
    else if (current && line.startsWith('VmFlags:')) out.push(line.slice(8).trim().split(/\s+/));
  }
  return out;
}

test('the PubSub store maps its file for random reads; other environments keep read-around', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pampero-read-ahead-'));
  try {
    const pubsub = openLmdbPubsubStore(join(dir, 'pubsub'));
    const main = openLmdbEnv(join(dir, 'lmdb'));
    const pubsubMaps = mapFlags(join(dir, 'pubsub', 'data.mdb'));
    const mainMaps = mapFlags(join(dir, 'lmdb', 'data.mdb'));
    expect(pubsubMaps.length).toBeGreaterThan(0);
    expect(pubsubMaps.every((flags) => flags.includes('rr'))).toBe(true);
    expect(mainMaps.length).toBeGreaterThan(0);
    expect(mainMaps.some((flags) => flags.includes('rr'))).toBe(false);
    await pubsub.close();
    await main.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
