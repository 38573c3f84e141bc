// Archive ids made with plain numbers have exactly the digits of the 64-bit layout.
import { ArchiveIdGenerator, archiveIdBound, archiveIdFromBigInt, archiveIdOf, archiveIdTime } from './archive-id.js';

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

test('archiveIdBound gives the first and last id of a millisecond in the 64-bit layout, clamped to its 43 time bits', () => {
  const layout = (ms: number, edge: 'first' | 'last') => {
    const time = BigInt(Math.max(0, Math.min(Math.floor(ms), 2 ** 43 - 1)));
    return ((time << 21n) | (edge === 'first' ? 0n : (1n << 21n) - 1n)).toString(16).padStart(16, '0');
  };
  for (const ms of [0, 1, 2047, 2048, 2049, 1.5, -5, 2 ** 43 - 1, 2 ** 43, 2 ** 50, Date.UTC(2026, 10, 27), Date.UTC(2026, 10, 28) - 1]) {
    for (const edge of ['first', 'last'] as const) expect(archiveIdBound(ms, edge)).toBe(layout(ms, edge));
  }
  expect(archiveIdTime(archiveIdBound(Date.UTC(2026, 10, 27, 12), 'last'))).toBe(Date.UTC(2026, 10, 27, 12));
});
