import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStores } from '../../storage/lmdb/open-lmdb.js';
import { ArchiveIdGenerator } from '../../storage/archive-id.js';
import type { ArchiveStore, Stores } from '../../storage/types.js';
import { StanzaError } from '../server-iq.js';
import { scanningArchiveSearch, type ArchiveSearch } from './archive-search.js';
import { describeArchiveSearchContract } from './archive-search-contract.js';

let dir: string;
let stores: Stores;
let search: ArchiveSearch;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pampero-search-'));
  stores = await openLmdbStores(dir);
  search = scanningArchiveSearch(stores.archive!);
});
afterAll(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded full-text search (scans the LMDB archive)', () => {
  describeArchiveSearchContract(() => ({ store: stores.archive!, search }));
});

describe('the embedded search is bounded', () => {
  const ids = new ArchiveIdGenerator(5);
  const fill = async (store: ArchiveStore, owner: string, bodies: string[]) =>
    store.append(bodies.map((body) => ({ owner, id: ids.next().id, with: 'peer@example.org', xml: `<message><body>${body}</body></message>` })));

  it('ends the page at the scan limit with complete=false when it found some', async () => {
    const owner = 'bounded-some@example.org';
    await fill(stores.archive!, owner, ['needle one', ...Array.from({ length: 600 }, (_, i) => `hay ${i}`), 'needle two']);
    const page = await scanningArchiveSearch(stores.archive!, 300).search(owner, { words: ['needle'] }, { max: 10 });
    expect(page.entries.map((e) => e.xml)).toEqual(['<message><body>needle one</body></message>']);
    expect(page.complete).toBe(false);
    // The client pages on from its last match and finds the rest.
    const rest = await scanningArchiveSearch(stores.archive!).search(owner, { words: ['needle'] }, { max: 10, after: page.entries[0]!.id });
    expect(rest.entries.map((e) => e.xml)).toEqual(['<message><body>needle two</body></message>']);
    expect(rest.complete).toBe(true);
  });

  it('refuses with policy-violation when the scan limit passed without a match', async () => {
    const owner = 'bounded-none@example.org';
    await fill(stores.archive!, owner, Array.from({ length: 600 }, (_, i) => `hay ${i}`));
    const refused = scanningArchiveSearch(stores.archive!, 300).search(owner, { words: ['needle'] }, { max: 10 });
    await expect(refused).rejects.toBeInstanceOf(StanzaError);
    await expect(refused).rejects.toMatchObject({ condition: 'policy-violation' });
  });
});
