// What every ArchiveSearch (XEP-0431 full-text search) must do, whichever finds the matches: the
// embedded scan (archive-search.test.ts) and Elasticsearch (elasticsearch-archive-search.test.ts,
// against a real cluster when ELASTICSEARCH_URL is set). Both read the messages from an LMDB archive.
import { ArchiveIdGenerator, archiveIdTime } from '../../storage/archive-id.js';
import { searchWords } from '../../storage/archive-text.js';
import type { ArchiveEntry, ArchiveStore } from '../../storage/types.js';
import type { ArchiveSearch } from './archive-search.js';

export interface SearchFixture {
  store: ArchiveStore;
  search: ArchiveSearch;
}

export function describeArchiveSearchContract(fixture: () => SearchFixture): void {
  let clock = Date.UTC(2026, 10, 27, 8, 0, 0);
  const ids = new ArchiveIdGenerator(3, () => clock);
  let users = 0;
  const freshOwner = () => `searcher${process.pid}-${++users}@example.org`;

  /** Archives these bodies for `owner` (one second apart, alternating peers) and indexes them. */
  const archive = async (owner: string, bodies: string[], peers = ['bob@example.org/phone', 'carol@example.org']): Promise<ArchiveEntry[]> => {
    const made = bodies.map((body, i) => {
      clock += 1000;
      return { id: ids.next().id, with: peers[i % peers.length]!, xml: `<message type="chat"><body>${body}</body></message>` };
    });
    const entries = made.map((e) => ({ ...e, owner }));
    await fixture().store.append(entries);
    fixture().search.indexed?.(entries);
    await fixture().search.flush();
    return made;
  };
  const bodiesOf = (entries: ArchiveEntry[]) => entries.map((e) => /<body>(.*)<\/body>/.exec(e.xml)?.[1]);

  it('finds the messages whose body holds every word, ignoring case and accents, oldest first', async () => {
    const owner = freshOwner();
    await archive(owner, ['Hello world', 'caf&#xE9; au lait', 'nothing here', 'hello again', 'say HELLO to the World']);
    const hello = await fixture().search.search(owner, { words: searchWords('hello') }, { max: 10 });
    expect(bodiesOf(hello.entries)).toEqual(['Hello world', 'hello again', 'say HELLO to the World']);
    expect(hello.complete).toBe(true);
    const both = await fixture().search.search(owner, { words: searchWords('world hello') }, { max: 10 });
    expect(bodiesOf(both.entries)).toEqual(['Hello world', 'say HELLO to the World']);
    const cafe = await fixture().search.search(owner, { words: searchWords('Cafe') }, { max: 10 });
    expect(bodiesOf(cafe.entries)).toEqual(['caf&#xE9; au lait']);
    expect(await fixture().search.search(owner, { words: searchWords('absent') }, { max: 10 })).toEqual({ entries: [], complete: true });
  });

  it('matches whole words only, and only the owner’s archive', async () => {
    const owner = freshOwner();
    const other = freshOwner();
    await archive(owner, ['hello', 'helloworld']);
    await archive(other, ['hello from another archive']);
    const found = await fixture().search.search(owner, { words: ['hello'] }, { max: 10 });
    expect(bodiesOf(found.entries)).toEqual(['hello']);
  });

  it('combines the words with the with, start and end filters', async () => {
    const owner = freshOwner();
    const made = await archive(owner, ['lunch at noon', 'lunch tomorrow', 'no lunch', 'lunch again']);
    const withCarol = await fixture().search.search(owner, { with: 'carol@example.org', words: ['lunch'] }, { max: 10 });
    expect(bodiesOf(withCarol.entries)).toEqual(['lunch tomorrow', 'lunch again']);
    const withPhone = await fixture().search.search(owner, { with: 'bob@example.org/phone', words: ['lunch'] }, { max: 10 });
    expect(bodiesOf(withPhone.entries)).toEqual(['lunch at noon', 'no lunch']);
    const late = await fixture().search.search(owner, { start: archiveIdTime(made[1]!.id), end: archiveIdTime(made[2]!.id), words: ['lunch'] }, { max: 10 });
    expect(bodiesOf(late.entries)).toEqual(['lunch tomorrow', 'no lunch']);
  });

  it('pages through the matches with RSM after and before', async () => {
    const owner = freshOwner();
    const bodies = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `ping ${i}` : `pong ${i}`));
    await archive(owner, bodies);
    const first = await fixture().search.search(owner, { words: ['ping'] }, { max: 10 });
    expect(bodiesOf(first.entries)).toEqual(Array.from({ length: 10 }, (_, i) => `ping ${2 * i}`));
    expect(first.complete).toBe(false);
    const second = await fixture().search.search(owner, { words: ['ping'] }, { max: 25, after: first.entries[9]!.id });
    expect(bodiesOf(second.entries)).toEqual(Array.from({ length: 20 }, (_, i) => `ping ${20 + 2 * i}`));
    expect(second.complete).toBe(true);
    const latest = await fixture().search.search(owner, { words: ['pong'] }, { max: 3, before: '' });
    expect(bodiesOf(latest.entries)).toEqual(['pong 55', 'pong 57', 'pong 59']);
    expect(latest.complete).toBe(false);
    const older = await fixture().search.search(owner, { words: ['pong'] }, { max: 3, before: latest.entries[0]!.id });
    expect(bodiesOf(older.entries)).toEqual(['pong 49', 'pong 51', 'pong 53']);
  });

  it('finds nothing once the archive is cleared', async () => {
    const owner = freshOwner();
    await archive(owner, ['secret plans']);
    await fixture().store.clear(owner);
    await fixture().search.cleared(owner);
    await fixture().search.flush();
    expect((await fixture().search.search(owner, { words: ['secret'] }, { max: 10 })).entries).toEqual([]);
  });
}
