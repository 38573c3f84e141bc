// The message archive's part of the storage contract (contract.ts calls it inside
// describeStoresContract, so LMDB, ScyllaDB and the simulated ScyllaDB session all run it).
import { ArchiveIdGenerator, archiveIdTime } from './archive-id.js';
import { bareOf } from './archive-filter.js';
import type { ArchiveEntry, ArchiveStore } from './types.js';

export function describeArchiveContract(archiveOf: () => ArchiveStore, freshJid: (local?: string) => string): void {
  describe('message archive', () => {
    let clock = Date.UTC(2026, 0, 31, 23, 59, 0); // entries cross a month boundary (ScyllaDB buckets)
    let ids = new ArchiveIdGenerator(7, () => clock);
    /** `count` entries, one second apart, alternating between two peers. */
    const fill = async (owner: string, count: number, peers = ['bob@x/phone', 'carol@x']): Promise<ArchiveEntry[]> => {
      const made: ArchiveEntry[] = [];
      for (let i = 0; i < count; i++) {
        clock += 1000;
        made.push({ id: ids.next().id, with: peers[i % peers.length], xml: `<message><body>${i}</body></message>` });
      }
      await archiveOf().append(made.map((e) => ({ ...e, owner })));
      return made;
    };
    const bodies = (entries: ArchiveEntry[]) => entries.map((e) => /<body>(\d+)</.exec(e.xml)?.[1]);

    it('pages forward from the start with RSM after, oldest first, complete on the last page', async () => {
      const owner = freshJid();
      const made = await fill(owner, 7);
      const first = await archiveOf().query(owner, {}, { max: 3 });
      expect(first).toEqual({ entries: made.slice(0, 3), complete: false });
      const second = await archiveOf().query(owner, {}, { max: 3, after: made[2].id });
      expect(bodies(second.entries)).toEqual(['3', '4', '5']);
      const last = await archiveOf().query(owner, {}, { max: 3, after: made[5].id });
      expect(last).toEqual({ entries: [made[6]], complete: true });
      expect(await archiveOf().query(owner, {}, { max: 7 })).toEqual({ entries: made, complete: true });
    });

    it('an empty RSM before gives the latest page, still oldest first; before an id pages backward', async () => {
      const owner = freshJid();
      const made = await fill(owner, 7);
      const latest = await archiveOf().query(owner, {}, { max: 3, before: '' });
      expect(latest).toEqual({ entries: made.slice(4), complete: false });
      const older = await archiveOf().query(owner, {}, { max: 3, before: made[4].id });
      expect(older.entries).toEqual(made.slice(1, 4));
      expect(await archiveOf().query(owner, {}, { max: 3, before: made[1].id })).toEqual({ entries: [made[0]], complete: true });
      expect(await archiveOf().query(owner, {}, { max: 0, before: '' })).toEqual({ entries: [], complete: false });
    });

    it('filters by bare with (any resource), by full with (that resource only), and by time', async () => {
      const owner = freshJid();
      const made = await fill(owner, 6, ['bob@x/phone', 'carol@x', 'bob@x/laptop']);
      const bob = await archiveOf().query(owner, { with: 'bob@x' }, { max: 10 });
      expect(bodies(bob.entries)).toEqual(['0', '2', '3', '5']);
      const phone = await archiveOf().query(owner, { with: 'bob@x/phone' }, { max: 10, before: '' });
      expect(bodies(phone.entries)).toEqual(['0', '3']);
      const bobPage = await archiveOf().query(owner, { with: 'bob@x' }, { max: 2, before: '' });
      expect(bobPage).toEqual({ entries: [made[3], made[5]], complete: false });
      const window = await archiveOf().query(owner, { start: archiveIdTime(made[1].id), end: archiveIdTime(made[3].id) }, { max: 10 });
      expect(window.entries).toEqual(made.slice(1, 4));
    });

    it('after-id, before-id and ids bound the results (exclusive), combined with RSM paging', async () => {
      const owner = freshJid();
      const made = await fill(owner, 8);
      const between = await archiveOf().query(owner, { afterId: made[1].id, beforeId: made[6].id }, { max: 10 });
      expect(between.entries).toEqual(made.slice(2, 6));
      const paged = await archiveOf().query(owner, { afterId: made[1].id }, { max: 2, before: '' });
      expect(paged).toEqual({ entries: made.slice(6), complete: false });
      const picked = await archiveOf().query(owner, { ids: [made[5].id, made[0].id, 'ffffffffffffffff'] }, { max: 10 });
      expect(picked).toEqual({ entries: [made[0], made[5]], complete: true });
    });

    it('tells which ids are missing, and the first and last ids', async () => {
      const owner = freshJid();
      expect(await archiveOf().bounds(owner)).toBeUndefined();
      const made = await fill(owner, 3);
      expect(await archiveOf().missing(owner, [made[0].id, '0000000000000001', made[2].id])).toEqual(['0000000000000001']);
      expect(await archiveOf().missing(freshJid(), [made[0].id])).toEqual([made[0].id]);
      expect(await archiveOf().bounds(owner)).toEqual({ first: made[0].id, last: made[2].id });
    });

    it('keeps users apart, even when one JID is a prefix of another', async () => {
      const owner = freshJid();
      await fill(owner, 2);
      await fill(`${owner}.longer`, 3);
      expect((await archiveOf().query(owner, {}, { max: 10, before: '' })).entries).toHaveLength(2);
      await archiveOf().clear(owner);
      expect((await archiveOf().query(owner, {}, { max: 10 })).entries).toEqual([]);
      expect((await archiveOf().query(`${owner}.longer`, {}, { max: 10 })).entries).toHaveLength(3);
    });

    it('removeBefore removes the oldest entries of every user, at most `limit` per call', async () => {
      const [saved, savedIds] = [clock, ids];
      clock = Date.UTC(2001, 0, 1);
      ids = new ArchiveIdGenerator(7, () => clock); // ids never go back in time: a second generator
      const [a, b] = [freshJid(), freshJid()];
      const old = [...(await fill(a, 3)), ...(await fill(b, 3))];
      const cutoff = clock + 1;
      [clock, ids] = [saved, savedIds];
      const recent = await fill(a, 2);
      let removed = await archiveOf().removeBefore(cutoff, 4);
      expect(removed).toBe(4);
      removed += await archiveOf().removeBefore(cutoff, 4);
      expect(removed).toBe(old.length);
      expect(await archiveOf().removeBefore(cutoff, 4)).toBe(0);
      expect((await archiveOf().query(a, {}, { max: 10 })).entries).toEqual(recent);
      expect((await archiveOf().query(b, {}, { max: 10 })).entries).toEqual([]);
    });

    it('an entry whose owner and peer JIDs are too long for the keys (archive-key-limit.ts) does not cost the rest of its batch', async () => {
      const owner = freshJid();
      const longPeer = `${'x'.repeat(1020)}@${'d'.repeat(1000)}/r`; // RFC 7622 allows it; LMDB's keys do not
      const made: Array<ArchiveEntry & { owner: string }> = [0, 1, 2].map((n) => {
        clock += 1000;
        return { owner, id: ids.next().id, with: n === 1 ? longPeer : 'bob@x', xml: `<message><body>${n}</body></message>` };
      });
      await archiveOf().append(made);
      const stored = bodies((await archiveOf().query(owner, { with: 'bob@x' }, { max: 10 })).entries);
      expect(stored).toEqual(['0', '2']);
    });

    it('one message in two archives (same id and XML, as the router queues it): each pages it; clearing one keeps the other; retention removes both', async () => {
      const [alice, bob] = [freshJid(), freshJid()];
      const [saved, savedIds] = [clock, ids];
      clock = Date.UTC(2002, 0, 1);
      ids = new ArchiveIdGenerator(7, () => clock);
      const pair = (n: number) => {
        clock += 1000;
        const [id, xml] = [ids.next().id, `<message><body>${n}</body></message>`];
        return [{ owner: bob, id, with: `${alice}/phone`, xml }, { owner: alice, id, with: bob, xml }];
      };
      const [first, second, third] = [pair(0), pair(1), pair(2)];
      await archiveOf().append([...first, ...second]);
      await archiveOf().append(third);
      const cutoff = clock + 1;
      [clock, ids] = [saved, savedIds];
      const later = pair(3);
      await archiveOf().append(later);
      for (const [owner, peer] of [[bob, `${alice}/phone`], [alice, bob]]) {
        const page = await archiveOf().query(owner, {}, { max: 10 });
        expect(bodies(page.entries)).toEqual(['0', '1', '2', '3']);
        expect(page.entries.every((e) => e.with === peer)).toBe(true);
        expect((await archiveOf().query(owner, { with: bareOf(peer) }, { max: 2, before: '' })).entries.map((e) => e.id)).toEqual([third[0].id, later[0].id]);
        expect((await archiveOf().query(owner, { ids: [second[0].id] }, { max: 10 })).entries).toEqual([{ id: second[0].id, with: peer, xml: second[0].xml }]);
      }
      await archiveOf().clear(alice);
      expect((await archiveOf().query(alice, {}, { max: 10 })).entries).toEqual([]);
      expect(bodies((await archiveOf().query(bob, {}, { max: 10 })).entries)).toEqual(['0', '1', '2', '3']);
      await archiveOf().append(later.slice(1)); // alice writes again after the clear
      let removed = 0;
      for (let run = 0; run < 10; run++) removed += await archiveOf().removeBefore(cutoff, 2);
      expect(removed).toBeGreaterThanOrEqual(3);
      expect(bodies((await archiveOf().query(bob, {}, { max: 10 })).entries)).toEqual(['3']);
      expect(bodies((await archiveOf().query(alice, {}, { max: 10 })).entries)).toEqual(['3']);
    });

    it('stores and replaces preferences; clear removes them', async () => {
      const owner = freshJid();
      expect(await archiveOf().getPrefs(owner)).toBeUndefined();
      await archiveOf().setPrefs(owner, { default: 'roster', always: ['a@x'], never: ['b@x', 'c@x/r'] });
      expect(await archiveOf().getPrefs(owner)).toEqual({ default: 'roster', always: ['a@x'], never: ['b@x', 'c@x/r'] });
      await archiveOf().setPrefs(owner, { default: 'never', always: [], never: [] });
      expect(await archiveOf().getPrefs(owner)).toEqual({ default: 'never', always: [], never: [] });
      await archiveOf().clear(owner);
      expect(await archiveOf().getPrefs(owner)).toBeUndefined();
    });
  });
}
