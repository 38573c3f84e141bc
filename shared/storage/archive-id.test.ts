// Archive ids made with plain numbers have exactly the digits of the 64-bit layout.
import { ArchiveIdGenerator, archiveIdFromBigInt, archiveIdOf, archiveIdTime } from './archive-id.js';

const reference = (ms: number, node: number, counter: number) => archiveIdFromBigInt((BigInt(ms) << 21n) | (BigInt(node) << 12n) | BigInt(counter));

test('an id made without BigInt equals the 43/9/12-bit layout, at the edges of every field', () => {
  const times = [0, 1, 2047, 2048, Date.UTC(2026, 10, 26, 7, 30), 2 ** 43 - 1];
  for (const ms of times) {
    for (const [node, counter] of [[0, 0], [511, 4095], [257, 1], [1, 4094]]) {
      expect(archiveIdOf(ms, node * 4096 + counter)).toBe(reference(ms, node, counter));
    }
  }
});

test('the generator makes increasing ids that carry the time and node, borrowing the next ms after 4096', () => {
  const ms = Date.UTC(2026, 10, 26, 7, 30);
  const ids = new ArchiveIdGenerator(300, () => ms);
  const made = Array.from({ length: 4100 }, () => ids.next());
  expect(made[0].id).toBe(reference(ms, 300, 0));
  expect(made[4095].id).toBe(reference(ms, 300, 4095));
  expect(made[4096]).toEqual({ id: reference(ms + 1, 300, 0), time: ms + 1 });
  for (let i = 1; i < made.length; i++) expect(made[i].id > made[i - 1].id).toBe(true);
  expect(archiveIdTime(made[4099].id)).toBe(ms + 1);
});
