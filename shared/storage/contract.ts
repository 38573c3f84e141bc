// The behaviour every storage backend must have (STYLE.md §3): each implementation's test file
// calls describeStoresContract. Keys are unique per run, so a shared backend (a ScyllaDB cluster)
// needs no wiping between runs; only "list" tests tolerate other rows being there.
import { randomBytes } from 'node:crypto';
import { describeArchiveContract } from './archive-contract.js';
import type { AccountCredentials, Roster, RosterItem, Stores } from './types.js';

const credentials = (tag: string): AccountCredentials => {
  const keys = { salt: `salt-${tag}`, iterations: 4096, storedKey: `stored-${tag}`, serverKey: `server-${tag}` };
  return { 'SCRAM-SHA-1': keys, 'SCRAM-SHA-256': { ...keys, iterations: 8192 } };
};
const item = (jid: string): RosterItem => ({ jid, subscription: 'none', groups: [] });
const roster = (version: number, ...jids: string[]): Roster => ({ version, items: jids.map(item), pendingIn: [] });

export function describeStoresContract(name: string, open: () => Promise<Stores>, skipReason?: string): void {
  if (skipReason) console.log(`Storage contract for ${name} skipped: ${skipReason}`);
  (skipReason ? describe.skip : describe)(`storage contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    /** A bare JID no other test (or earlier run) uses. */
    const freshJid = (local = 'user') => `${local}-${run}-${++counter}@example.test`;
    let stores: Stores;
    beforeAll(async () => {
      stores = await open();
    });
    afterAll(async () => {
      await stores?.close();
    });

    describe('accounts', () => {
      it('creates an account once; creating it again resolves false and changes nothing', async () => {
        const jid = freshJid();
        expect(await stores.accounts.create(jid, credentials('a'))).toBe(true);
        expect(await stores.accounts.create(jid, credentials('b'))).toBe(false);
        const account = await stores.accounts.get(jid);
        expect(account).toEqual({ jid, credentials: credentials('a'), createdAt: expect.any(Number) });
        expect(Math.abs(account!.createdAt - Date.now())).toBeLessThan(60_000);
      });

      it('gets undefined for a missing account', async () => {
        expect(await stores.accounts.get(freshJid())).toBeUndefined();
      });

      it('replaces credentials of an existing account only', async () => {
        const jid = freshJid();
        expect(await stores.accounts.setCredentials(jid, credentials('x'))).toBe(false);
        expect(await stores.accounts.get(jid)).toBeUndefined();
        await stores.accounts.create(jid, credentials('a'));
        expect(await stores.accounts.setCredentials(jid, credentials('b'))).toBe(true);
        expect((await stores.accounts.get(jid))?.credentials).toEqual(credentials('b'));
      });

      it('deletes an account, resolving false when there was none', async () => {
        const jid = freshJid();
        await stores.accounts.create(jid, credentials('a'));
        expect(await stores.accounts.delete(jid)).toBe(true);
        expect(await stores.accounts.get(jid)).toBeUndefined();
        expect(await stores.accounts.delete(jid)).toBe(false);
      });

      it('lists bare JIDs in lexical order, paging with after and limit', async () => {
        const prefix = `list-${run}-`;
        const jids = ['c', 'a', 'b', 'e', 'd'].map((l) => `${prefix}${l}@example.test`);
        for (const jid of jids) await stores.accounts.create(jid, credentials(jid));
        const sorted = [...jids].sort();
        const first = await stores.accounts.list({ after: prefix, limit: 2 });
        expect(first).toEqual(sorted.slice(0, 2));
        const second = await stores.accounts.list({ after: first[1], limit: 2 });
        expect(second).toEqual(sorted.slice(2, 4));
        const rest = (await stores.accounts.list({ after: second[1] })).filter((j) => j.startsWith(prefix));
        expect(rest).toEqual(sorted.slice(4));
        const all = await stores.accounts.list();
        expect(all).toEqual([...all].sort());
        expect(all).toEqual(expect.arrayContaining(jids));
      });
    });

    describe('rosters', () => {
      it('gets an empty roster with version 0 for a user with none', async () => {
        expect(await stores.rosters.get(freshJid())).toEqual({ version: 0, items: [], pendingIn: [] });
      });

      it('update stores the returned roster, bumps the version by one and resolves to it', async () => {
        const owner = freshJid();
        const first = await stores.rosters.update(owner, (r) => ({ ...r, items: [item('a@x')] }));
        expect(first).toEqual(roster(1, 'a@x'));
        const second = await stores.rosters.update(owner, (r) => ({
          ...r,
          items: [...r.items, { jid: 'b@x', name: 'B', subscription: 'both', ask: 'subscribe', approved: true, groups: ['g'] }],
          pendingIn: [{ jid: 'c@x', status: 'hi' }],
        }));
        expect(second.version).toBe(2);
        expect(await stores.rosters.get(owner)).toEqual(second);
      });

      it('update returning undefined leaves the roster and its version unchanged, even if the copy was mutated', async () => {
        const owner = freshJid();
        await stores.rosters.update(owner, (r) => ({ ...r, items: [item('a@x')] }));
        const result = await stores.rosters.update(owner, (r) => {
          r.items.push(item('mutated@x'));
          r.version = 99;
          return undefined;
        });
        expect(result).toEqual(roster(1, 'a@x'));
        expect(await stores.rosters.get(owner)).toEqual(roster(1, 'a@x'));
      });

      it('update whose change throws rejects and stores nothing', async () => {
        const owner = freshJid();
        await expect(
          stores.rosters.update(owner, () => {
            throw new Error('change failed');
          }),
        ).rejects.toThrow('change failed');
        expect(await stores.rosters.get(owner)).toEqual(roster(0));
      });

      it('update is atomic: 50 concurrent updates of one user lose no write', async () => {
        const owner = freshJid();
        const contacts = Array.from({ length: 50 }, (_, i) => `c${i}@x`);
        await Promise.all(
          contacts.map((jid) => stores.rosters.update(owner, (r) => ({ ...r, items: [...r.items, item(jid)] }))),
        );
        const stored = await stores.rosters.get(owner);
        expect(stored.version).toBe(50);
        expect(stored.items.map((i) => i.jid).sort()).toEqual([...contacts].sort());
      });

      it('putMany replaces rosters, setting version 1 where it was 0', async () => {
        const [a, b, c] = [freshJid(), freshJid(), freshJid()];
        await stores.rosters.update(c, (r) => ({ ...r, items: [item('old@x')] }));
        await stores.rosters.putMany([
          { owner: a, roster: roster(0, 'x@x', 'y@x') },
          { owner: b, roster: roster(7, 'z@x') },
          { owner: c, roster: roster(0, 'new@x') },
        ]);
        expect(await stores.rosters.get(a)).toEqual(roster(1, 'x@x', 'y@x'));
        expect(await stores.rosters.get(b)).toEqual(roster(7, 'z@x'));
        expect(await stores.rosters.get(c)).toEqual(roster(1, 'new@x'));
      });

      it('putMany writes more entries than fit in one batch', async () => {
        const entries = Array.from({ length: 4500 }, (_, i) => ({ owner: freshJid('bulk'), roster: roster(0, `c${i}@x`) }));
        await stores.rosters.putMany(entries);
        for (const { owner, roster: written } of [entries[0], entries[2222], entries[4499]]) {
          expect(await stores.rosters.get(owner)).toEqual({ ...written, version: 1 });
        }
      });

      it('delete removes the roster', async () => {
        const owner = freshJid();
        await stores.rosters.update(owner, (r) => ({ ...r, items: [item('a@x')] }));
        await stores.rosters.delete(owner);
        expect(await stores.rosters.get(owner)).toEqual(roster(0));
        await stores.rosters.delete(owner); // deleting nothing is fine
      });
    });

    describe('offline messages', () => {
      it('lists pushed messages oldest first with increasing ids, without removing them', async () => {
        const owner = freshJid();
        for (const body of ['1', '2', '3']) expect(await stores.offline.push(owner, `<message>${body}</message>`, 10)).toBe(true);
        const listed = await stores.offline.list(owner);
        expect(listed.map((m) => m.xml)).toEqual(['<message>1</message>', '<message>2</message>', '<message>3</message>']);
        expect(listed.every((m) => typeof m.id === 'string' && typeof m.storedAt === 'number')).toBe(true);
        const ids = listed.map((m) => BigInt(m.id));
        expect(ids[0] < ids[1] && ids[1] < ids[2]).toBe(true);
        expect(await stores.offline.list(owner, 2)).toEqual(listed.slice(0, 2));
        expect(await stores.offline.count(owner)).toBe(3);
      });

      it('keeps users apart, even when one JID is a prefix of another', async () => {
        const owner = freshJid();
        await stores.offline.push(owner, '<a/>', 10);
        await stores.offline.push(`${owner}.longer`, '<b/>', 10);
        expect((await stores.offline.list(owner)).map((m) => m.xml)).toEqual(['<a/>']);
        await stores.offline.clear(owner);
        expect(await stores.offline.count(`${owner}.longer`)).toBe(1);
      });

      it('refuses a push beyond the quota, also under concurrent pushes', async () => {
        const owner = freshJid();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.offline.push(owner, `<m n="${i}"/>`, 4)));
        expect(results.filter(Boolean)).toHaveLength(4);
        expect(await stores.offline.count(owner)).toBe(4);
        expect(await stores.offline.push(owner, '<late/>', 4)).toBe(false);
      });

      it('removes acknowledged ids only, ignoring unknown ones', async () => {
        const owner = freshJid();
        for (const n of [1, 2, 3]) await stores.offline.push(owner, `<m n="${n}"/>`, 10);
        const [first, second, third] = await stores.offline.list(owner);
        await stores.offline.remove(owner, [first.id, third.id, 'not-an-id', '12345']);
        expect(await stores.offline.list(owner)).toEqual([second]);
        expect(await stores.offline.count(owner)).toBe(1);
      });

      it('clear removes all and later ids still increase', async () => {
        const owner = freshJid();
        await stores.offline.push(owner, '<a/>', 10);
        await stores.offline.push(owner, '<b/>', 10);
        const [, last] = await stores.offline.list(owner);
        await stores.offline.clear(owner);
        expect(await stores.offline.count(owner)).toBe(0);
        expect(await stores.offline.list(owner)).toEqual([]);
        await stores.offline.push(owner, '<c/>', 10);
        const [next] = await stores.offline.list(owner);
        expect(BigInt(next.id) > BigInt(last.id)).toBe(true);
      });
    });

    describeArchiveContract(() => stores.archive!, freshJid);

    describe('components', () => {
      it('gets undefined for an unknown component', async () => {
        expect(await stores.components.get(`missing-${run}.example.test`)).toBeUndefined();
      });

      it('adds, re-keys (keeping createdAt), lists and deletes a component', async () => {
        const domain = `pubsub-${run}.example.test`;
        await stores.components.put(domain, 'first');
        const added = await stores.components.get(domain);
        expect(added).toEqual({ domain, secret: 'first', createdAt: expect.any(Number) });
        await stores.components.put(domain, 'second');
        expect(await stores.components.get(domain)).toEqual({ ...added, secret: 'second' });
        expect(await stores.components.list()).toEqual(expect.arrayContaining([{ ...added, secret: 'second' }]));
        expect(await stores.components.delete(domain)).toBe(true);
        expect(await stores.components.get(domain)).toBeUndefined();
        expect(await stores.components.delete(domain)).toBe(false);
        expect((await stores.components.list()).some((c) => c.domain === domain)).toBe(false);
      });
    });

    describe('account data', () => {
      it('gets undefined for a missing key, puts, replaces and deletes a value', async () => {
        const owner = freshJid();
        expect(await stores.accountData.get(owner, 'vcard')).toBeUndefined();
        await stores.accountData.put(owner, 'vcard', '<vCard xmlns="vcard-temp"/>');
        expect(await stores.accountData.get(owner, 'vcard')).toBe('<vCard xmlns="vcard-temp"/>');
        await stores.accountData.put(owner, 'vcard', 'é ☃ 𝄞');
        expect(await stores.accountData.get(owner, 'vcard')).toBe('é ☃ 𝄞');
        await stores.accountData.delete(owner, 'vcard');
        expect(await stores.accountData.get(owner, 'vcard')).toBeUndefined();
        await stores.accountData.delete(owner, 'vcard'); // deleting nothing is fine
      });

      it('lists keys by prefix in order, with a limit, and keeps users apart', async () => {
        const owner = freshJid();
        for (const key of ['private:b', 'vcard', 'private:a', 'private:𝄞', 'privatex', 'blocklist']) await stores.accountData.put(owner, key, key);
        await stores.accountData.put(`${owner}.longer`, 'private:z', 'z');
        expect(await stores.accountData.keys(owner, 'private:')).toEqual(['private:a', 'private:b', 'private:𝄞']);
        expect(await stores.accountData.keys(owner, 'private:', 2)).toEqual(['private:a', 'private:b']);
        expect(await stores.accountData.keys(owner)).toEqual(['blocklist', 'private:a', 'private:b', 'private:𝄞', 'privatex', 'vcard']);
        expect(await stores.accountData.keys(freshJid())).toEqual([]);
      });

      it('deleteAll removes every key of one user only', async () => {
        const owner = freshJid();
        await stores.accountData.put(owner, 'vcard', 'v');
        await stores.accountData.put(owner, 'blocklist', '[]');
        await stores.accountData.put(`${owner}.longer`, 'vcard', 'other');
        await stores.accountData.deleteAll(owner);
        expect(await stores.accountData.keys(owner)).toEqual([]);
        expect(await stores.accountData.get(owner, 'vcard')).toBeUndefined();
        expect(await stores.accountData.get(`${owner}.longer`, 'vcard')).toBe('other');
      });
    });
  });
}
