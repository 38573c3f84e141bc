import { accountIndexBucket, compareUtf8, mergeBucketPages } from './account-index.js';
import { ACCOUNT_INDEX_BUCKETS } from './schema.js';

describe('account_index paging', () => {
  test('buckets are stable FNV-1a values, spread over every bucket', () => {
    // FNV-1a 32 of "a" is 0xe40c292c; the bucket must never change across releases.
    expect(accountIndexBucket('a', 2 ** 32)).toBe(0xe40c292c);
    expect(accountIndexBucket('a')).toBe(0xe40c292c % ACCOUNT_INDEX_BUCKETS);
    const used = new Set(Array.from({ length: 2000 }, (_, i) => accountIndexBucket(`user${i}@example.org`)));
    expect(used.size).toBe(ACCOUNT_INDEX_BUCKETS);
  });

  test('merging bucket pages gives the first `limit` JIDs in order', () => {
    const pages = [['a@x', 'd@x', 'g@x'], ['b@x', 'c@x'], [], ['e@x', 'f@x', 'h@x']];
    expect(mergeBucketPages(pages, 4)).toEqual(['a@x', 'b@x', 'c@x', 'd@x']);
    expect(mergeBucketPages(pages)).toEqual(['a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x', 'g@x', 'h@x']);
  });

  test('paging through buckets with after/limit visits every JID once, in order', () => {
    const jids = Array.from({ length: 100 }, (_, i) => `u${String(i).padStart(3, '0')}@x`);
    const buckets = new Map<number, string[]>();
    for (const jid of jids) buckets.set(accountIndexBucket(jid), [...(buckets.get(accountIndexBucket(jid)) ?? []), jid]);
    const readPage = (after: string, limit: number) =>
      mergeBucketPages(
        [...buckets.values()].map((b) => b.filter((j) => compareUtf8(j, after) > 0).sort(compareUtf8).slice(0, limit)),
        limit,
      );
    const seen: string[] = [];
    for (let page = readPage('', 7); page.length > 0; page = readPage(page[page.length - 1], 7)) seen.push(...page);
    expect(seen).toEqual(jids);
  });

  test('order is UTF-8 byte order, as CQL text clusters', () => {
    // U+FF5E (3 UTF-8 bytes) sorts before U+1F600 (4 bytes) in UTF-8, after it in UTF-16 units.
    expect(compareUtf8('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect(mergeBucketPages([['\u{1f600}@x'], ['\uff5e@x']])).toEqual(['\uff5e@x', '\u{1f600}@x']);
  });
});
